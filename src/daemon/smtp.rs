//! SMTP: sending what the outbox holds.
//!
//! A reply is marked sent only once the server has accepted it. While the
//! server is down, replies wait and are retried with backoff; a permanent
//! refusal (5xx) is recorded on the ticket and not retried.

use super::{now, password, sleep_or_shutdown, DaemonError};
use crate::config::{Security, SmtpConfig};
use crate::store::outbox::QueuedReply;
use crate::store::Store;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// Replies sent per look at the outbox.
const BATCH: usize = 50;
/// How often the outbox is looked at when nothing wakes the sender.
const IDLE_CHECK: Duration = Duration::from_secs(5);
/// The longest wait before a deferred reply is tried again.
const MAX_RETRY_SECONDS: i64 = 600;
/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// An SMTP transport for `config`.
pub fn transport(config: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, DaemonError> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
        .port(config.port)
        .timeout(Some(SMTP_TIMEOUT));
    if config.security != Security::None {
        let mut parameters = TlsParameters::builder(config.host.clone());
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| DaemonError::Tls(format!("cannot read the CA file {}: {e}", path.display())))?;
            let certificate = Certificate::from_pem(&pem)
                .map_err(|e| DaemonError::Tls(format!("{} is not a PEM certificate: {e}", path.display())))?;
            parameters = parameters.add_root_certificate(certificate);
        }
        let parameters = parameters.build_rustls().map_err(|e| DaemonError::Tls(e.to_string()))?;
        builder = builder.tls(match config.security {
            Security::Tls => Tls::Wrapper(parameters),
            _ => Tls::Required(parameters),
        });
    }
    if let Some(username) = &config.username {
        let secret = password(config.password.as_deref(), config.password_env.as_deref(), "[smtp]")?;
        builder = builder.credentials(Credentials::new(username.clone(), secret));
    }
    Ok(builder.build())
}

/// The outbox sender and what it needs.
pub struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Address,
    store: Store,
    wake: Arc<Notify>,
}

/// What one attempt at sending did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted by the server.
    Sent,
    /// Refused for good.
    Refused,
    /// Not now; the server may be down.
    Deferred,
}

impl Sender {
    /// Prepares the sender; nothing connects yet.
    pub fn new(config: &SmtpConfig, store: Store, wake: Arc<Notify>) -> Result<Sender, DaemonError> {
        let from: Address =
            config.from.parse().map_err(|e| DaemonError::Config(format!("[smtp] from = {:?}: {e}", config.from)))?;
        store.prefer_fast_commits()?;
        Ok(Sender { transport: transport(config)?, from, store, wake })
    }

    /// Sends until shutdown; between rounds it waits to be woken or for the next due reply.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(error) = self.send_due(&shutdown).await {
                tracing::error!(error = %error, "the outbox could not be read");
            }
            if *shutdown.borrow() {
                return;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                stop = sleep_or_shutdown(IDLE_CHECK, &mut shutdown) => if stop { return; },
            }
        }
    }

    /// Sends every reply that is due; stops early when the server defers (it is likely down).
    pub async fn send_due(&mut self, shutdown: &watch::Receiver<bool>) -> Result<usize, DaemonError> {
        let mut sent = 0;
        loop {
            let due = self.store.due_replies(now(), BATCH)?;
            if due.is_empty() {
                return Ok(sent);
            }
            for reply in &due {
                match self.send(reply).await? {
                    Attempt::Sent => sent += 1,
                    Attempt::Refused => {}
                    Attempt::Deferred => return Ok(sent),
                }
                if *shutdown.borrow() {
                    return Ok(sent);
                }
            }
        }
    }

    /// One try at one reply, recorded in the outbox whatever happens.
    pub async fn send(&mut self, reply: &QueuedReply) -> Result<Attempt, DaemonError> {
        let recipient: Result<Address, _> = reply.recipient.parse();
        let Ok(recipient) = recipient else {
            self.store.mark_failed(reply.id, now(), &format!("{} is not a deliverable address", reply.recipient))?;
            return Ok(Attempt::Refused);
        };
        let envelope = Envelope::new(Some(self.from.clone()), vec![recipient])
            .map_err(|e| DaemonError::Smtp(e.to_string()))?;
        match self.transport.send_raw(&envelope, &reply.message).await {
            Ok(response) => {
                let said = response.message().collect::<Vec<_>>().join(" ");
                self.store.mark_sent(reply.id, now(), &format!("{} {said}", response.code()))?;
                tracing::info!(outbox = reply.id, to = %reply.recipient, "reply sent");
                Ok(Attempt::Sent)
            }
            Err(error) if error.is_permanent() => {
                self.store.mark_failed(reply.id, now(), &format!("refused by the server: {error}"))?;
                tracing::error!(outbox = reply.id, to = %reply.recipient, error = %error, "reply refused");
                Ok(Attempt::Refused)
            }
            Err(error) => {
                let wait = (1_i64 << reply.attempts.clamp(0, 10)).min(MAX_RETRY_SECONDS);
                self.store.mark_retry(reply.id, now(), now() + wait, &error.to_string())?;
                tracing::warn!(outbox = reply.id, to = %reply.recipient, error = %error, retry_in_s = wait, "reply deferred");
                Ok(Attempt::Deferred)
            }
        }
    }
}
