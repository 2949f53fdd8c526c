//! SMTP: sending what the outbox holds.
//!
//! A reply is marked sent only once the server has accepted it. While the
//! server is down, replies wait and are retried with backoff; a permanent
//! refusal (5xx) is recorded on the ticket and not retried.
//!
//! Exactly once, as near as SMTP allows: a server takes responsibility for a
//! message when it receives the final dot, before it answers "250". So the
//! reply is marked `sending` once the server has said "354, go ahead", just
//! before the body goes out. A crash while a reply is `sending` means the
//! server almost surely has it: after a restart such a reply is settled as
//! sent (and logged as unconfirmed) rather than sent a second time. Only a
//! crash in the microseconds between that mark and the final dot would lose a
//! reply.

use super::{password, sleep_or_shutdown, DaemonError};
use crate::clock::now;
use crate::config::{Security, SmtpConfig};
use formrobot_store::outbox::QueuedReply;
use formrobot_store::Store;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, AsyncSmtpTransport, Executor, Tokio1Executor};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// Replies sent per look at the outbox.
const BATCH: usize = 50;
/// How often the outbox is looked at when nothing wakes the sender.
const IDLE_CHECK: Duration = Duration::from_secs(5);
/// The longest wait before a deferred reply is tried again.
const MAX_RETRY_SECONDS: i64 = 600;
/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection unused for longer than this is replaced rather than reused.
const MAX_IDLE_CONNECTION: Duration = Duration::from_secs(30);

/// How the connection is secured, as lettre wants it.
fn tls(config: &SmtpConfig) -> Result<Tls, DaemonError> {
    if config.security == Security::None {
        return Ok(Tls::None);
    }
    let mut parameters = TlsParameters::builder(config.host.clone());
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| DaemonError::Tls(format!("cannot read the CA file {}: {e}", path.display())))?;
        let certificate = Certificate::from_pem(&pem)
            .map_err(|e| DaemonError::Tls(format!("{} is not a PEM certificate: {e}", path.display())))?;
        parameters = parameters.add_root_certificate(certificate);
    }
    let parameters = parameters.build_rustls().map_err(|e| DaemonError::Tls(e.to_string()))?;
    Ok(match config.security {
        Security::Tls => Tls::Wrapper(parameters),
        _ => Tls::Required(parameters),
    })
}

fn credentials(config: &SmtpConfig) -> Result<Option<Credentials>, DaemonError> {
    let Some(username) = &config.username else { return Ok(None) };
    let secret = password(config.password.as_deref(), config.password_env.as_deref(), "[smtp]")?;
    Ok(Some(Credentials::new(username.clone(), secret)))
}

/// An SMTP transport for `config`: for `check-config`.
pub fn transport(config: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, DaemonError> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
        .port(config.port)
        .timeout(Some(SMTP_TIMEOUT))
        .tls(tls(config)?);
    if let Some(credentials) = credentials(config)? {
        builder = builder.credentials(credentials);
    }
    Ok(builder.build())
}

/// The outbox sender and what it needs.
pub struct Sender {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
    from: Address,
    store: Store,
    wake: Arc<Notify>,
    /// An open connection and when it was last used, kept between replies.
    connection: Option<(AsyncSmtpConnection, Instant)>,
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
    pub fn new(config: &SmtpConfig, mut store: Store, wake: Arc<Notify>) -> Result<Sender, DaemonError> {
        let from: Address =
            config.from.parse().map_err(|e| DaemonError::Config(format!("[smtp] from = {:?}: {e}", config.from)))?;
        store.prefer_fast_commits()?;
        let settled = store.settle_interrupted_sends(now())?;
        if settled > 0 {
            tracing::warn!(
                replies = settled,
                "replies the server was taking when the robot stopped are counted as sent"
            );
        }
        Ok(Sender {
            host: config.host.clone(),
            port: config.port,
            tls: tls(config)?,
            credentials: credentials(config)?,
            hello: ClientId::Domain(from.domain().to_owned()),
            from,
            store,
            wake,
            connection: None,
        })
    }

    /// The open connection if it is fresh, else a new one (logged in where configured).
    async fn connection(&mut self) -> Result<&mut AsyncSmtpConnection, lettre::transport::smtp::Error> {
        let entry = match self.connection.take() {
            Some((connection, used)) if !connection.has_broken() && used.elapsed() <= MAX_IDLE_CONNECTION => {
                (connection, used)
            }
            old => {
                if let Some((mut old, _)) = old {
                    let _ = old.quit().await;
                }
                let mut connection =
                    Tokio1Executor::connect(&self.host, self.port, Some(SMTP_TIMEOUT), &self.hello, &self.tls).await?;
                if let Some(credentials) = &self.credentials {
                    connection.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await?;
                }
                (connection, Instant::now())
            }
        };
        let (connection, used) = self.connection.insert(entry);
        *used = Instant::now();
        Ok(connection)
    }

    /// MAIL, RCPT, DATA; then the mark; then the message and its final dot.
    async fn transmit(&mut self, reply: &QueuedReply, recipient: Address) -> Result<String, SendError> {
        let from = self.from.clone();
        let connection = self.connection().await.map_err(SendError::Smtp)?;
        connection.command(Mail::new(Some(from), vec![])).await.map_err(SendError::Smtp)?;
        connection.command(Rcpt::new(recipient, vec![])).await.map_err(SendError::Smtp)?;
        connection.command(Data).await.map_err(SendError::Smtp)?;
        self.store.mark_sending(reply.id).map_err(SendError::Store)?;
        let connection = self.connection().await.map_err(SendError::Smtp)?;
        let response = connection.message(&reply.message).await.map_err(SendError::Smtp)?;
        let said = response.message().collect::<Vec<_>>().join(" ");
        Ok(format!("{} {said}", response.code()))
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
        let Ok(recipient) = reply.recipient.parse::<Address>() else {
            self.store.mark_failed(reply.id, now(), &format!("{} is not a deliverable address", reply.recipient))?;
            return Ok(Attempt::Refused);
        };
        match self.transmit(reply, recipient).await {
            Ok(said) => {
                self.store.mark_sent(reply.id, now(), &said)?;
                tracing::info!(outbox = reply.id, to = %reply.recipient, "reply sent");
                Ok(Attempt::Sent)
            }
            Err(SendError::Store(error)) => Err(error.into()),
            Err(SendError::Smtp(error)) => {
                // A failed conversation leaves the connection in an unknown state.
                if let Some((mut connection, _)) = self.connection.take() {
                    connection.abort().await;
                }
                if error.is_permanent() {
                    self.store.mark_failed(reply.id, now(), &format!("refused by the server: {error}"))?;
                    tracing::error!(outbox = reply.id, to = %reply.recipient, error = %error, "reply refused");
                    Ok(Attempt::Refused)
                } else {
                    let wait = (1_i64 << reply.attempts.clamp(0, 10)).min(MAX_RETRY_SECONDS);
                    self.store.mark_retry(reply.id, now(), now() + wait, &error.to_string())?;
                    tracing::warn!(outbox = reply.id, to = %reply.recipient, error = %error, retry_in_s = wait, "reply deferred");
                    Ok(Attempt::Deferred)
                }
            }
        }
    }
}

/// Why a send did not complete.
enum SendError {
    /// The server or the connection failed.
    Smtp(lettre::transport::smtp::Error),
    /// The outbox could not be updated.
    Store(formrobot_store::StoreError),
}
