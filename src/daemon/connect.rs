//! Network connections for the daemon: TCP, TLS and the trust store.

use super::DaemonError;
use std::fmt;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// How long a TCP connection or TLS handshake may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A TLS client configuration trusting the usual public roots and, optionally, one more CA.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, DaemonError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let certificates = CertificateDer::pem_file_iter(path)
            .map_err(|e| DaemonError::Tls(format!("cannot read the CA file {}: {e}", path.display())))?;
        for certificate in certificates {
            let certificate = certificate
                .map_err(|e| DaemonError::Tls(format!("{} is not a PEM certificate: {e}", path.display())))?;
            roots
                .add(certificate)
                .map_err(|e| DaemonError::Tls(format!("{} holds an unusable certificate: {e}", path.display())))?;
        }
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DaemonError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Opens a TCP connection, with a time limit.
pub async fn tcp(host: &str, port: u16) -> Result<TcpStream, DaemonError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, port))).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(error)) => Err(DaemonError::Unreachable(format!("{host}:{port}: {error}"))),
        Err(_) => {
            Err(DaemonError::Unreachable(format!("{host}:{port}: no answer within {} s", CONNECT_TIMEOUT.as_secs())))
        }
    }
}

/// Starts TLS over `stream`, checking the server's certificate for `host`.
pub async fn start_tls(stream: TcpStream, host: &str, tls: Arc<ClientConfig>) -> Result<MailStream, DaemonError> {
    let name = ServerName::try_from(host.to_owned()).map_err(|e| DaemonError::Tls(format!("{host}: {e}")))?;
    let handshake = TlsConnector::from(tls).connect(name, stream);
    match tokio::time::timeout(CONNECT_TIMEOUT, handshake).await {
        Ok(Ok(stream)) => Ok(MailStream::Tls(Box::new(stream))),
        Ok(Err(error)) => Err(DaemonError::Tls(format!("{host}: {error}"))),
        Err(_) => Err(DaemonError::Tls(format!("{host}: the TLS handshake took too long"))),
    }
}

/// A connection that is either plain or TLS, so one client type serves both.
pub enum MailStream {
    /// Unencrypted (before STARTTLS, or `security = "none"`).
    Plain(TcpStream),
    /// Encrypted.
    Tls(Box<TlsStream<TcpStream>>),
}

impl fmt::Debug for MailStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MailStream::Plain(_) => "MailStream::Plain",
            MailStream::Tls(_) => "MailStream::Tls",
        })
    }
}

impl AsyncRead for MailStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            MailStream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MailStream::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            MailStream::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(stream) => Pin::new(stream).poll_flush(cx),
            MailStream::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            MailStream::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}
