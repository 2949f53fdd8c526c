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
use tokio_rustls::rustls::{CertificateError, ClientConfig, Error, RootCertStore};
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

/// What is wrong with the certificate a TLS handshake refused, and how an
/// operator puts it right, when `error` (or an error it wraps) is such a refusal.
/// rustls names the problem in its own terms ("CaUsedAsEndEntity"); an
/// operator needs to know which certificate to make or which key to set.
pub fn certificate_advice(error: &(dyn std::error::Error + 'static), host: &str) -> Option<String> {
    let mut current = Some(error);
    while let Some(error) = current {
        let wrapped = error.downcast_ref::<io::Error>().and_then(|io| io.get_ref()).map(|inner| inner as &_);
        for candidate in [Some(error), wrapped].into_iter().flatten() {
            if let Some(Error::InvalidCertificate(problem)) = candidate.downcast_ref::<Error>() {
                return Some(describe_certificate_problem(problem, host));
            }
        }
        current = error.source();
    }
    None
}

fn describe_certificate_problem(problem: &CertificateError, host: &str) -> String {
    match problem {
        // webpki's error, which rustls passes on as "other": a certificate with
        // CA:TRUE (what `openssl req -x509` makes unless told otherwise) used as a server's own.
        CertificateError::Other(other) if format!("{other:?}").contains("CaUsedAsEndEntity") => {
            let kind = if host.parse::<std::net::IpAddr>().is_ok() { "IP" } else { "DNS" };
            format!(
                "{host} presents a CA certificate (basicConstraints CA:TRUE, what `openssl req -x509` makes by \
                 default) as its own, and TLS accepts only a server certificate there. Give the server a \
                 certificate of its own, signed by the CA in ca_file; or, for a self-signed certificate, make \
                 it with `openssl req -x509 ... -addext basicConstraints=critical,CA:FALSE -addext \
                 subjectAltName={kind}:{host}` and put that certificate in ca_file"
            )
        }
        CertificateError::UnknownIssuer => format!(
            "{host}'s certificate is not signed by any CA the robot trusts. Set ca_file to the PEM certificate \
             of the CA that signed it (for a private CA), or give the server a certificate from a public CA"
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!(
            "{host}'s certificate is not made out for the name {host}. Set host to a name the certificate holds \
             (its subjectAltName), or give the server a certificate whose subjectAltName includes {host}"
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!("{host}'s certificate has expired. Renew it on the server (and check this machine's clock)")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            format!("{host}'s certificate is not valid yet. Check the clocks of this machine and of the server")
        }
        other => format!(
            "{host}'s certificate is refused ({other:?}). Check it with `openssl s_client -connect {host}:PORT \
             -CAfile CA_FILE` and give the server a certificate that passes"
        ),
    }
}

/// Opens a TCP connection, with a time limit and Nagle's algorithm off (as
/// the SMTP sender's are): a command that follows another unanswered one
/// would otherwise wait for the server's delayed acknowledgement.
pub async fn tcp(host: &str, port: u16) -> Result<TcpStream, DaemonError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, port))).await {
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
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
        Ok(Err(error)) => match certificate_advice(&error, host) {
            Some(advice) => Err(DaemonError::Certificate { host: host.to_owned(), advice }),
            None => Err(DaemonError::Tls(format!("{host}: {error}"))),
        },
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
