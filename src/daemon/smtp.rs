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
//!
//! Several senders may work on one outbox (the daemon, concurrent `process`
//! runs): each reply is claimed first, in one UPDATE that only one of them
//! can make ([`Store::claim_reply`]), and only the claimant sends it.
//!
//! Speed: one SMTP conversation is four round trips (MAIL, RCPT, DATA, the
//! message), so a backlog goes out over several connections at once
//! (`[smtp] connections`), each with Nagle's algorithm off: otherwise every
//! small command waits for the server's delayed acknowledgement, some 40 ms.

use super::{password, sleep_or_shutdown, DaemonError, SyncGate};
use crate::clock::now;
use crate::config::{Security, SmtpConfig};
use formrobot_store::outbox::{Claim, QueuedReply};
use formrobot_store::{Store, StoreError};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, AsyncSmtpTransport, Executor, Tokio1Executor};
use std::sync::{Arc, Mutex};
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

/// Where replies go and how; shared by the sender's connections.
struct Link {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
    from: Address,
    /// The outbox, used off the async thread ([`tokio::task::spawn_blocking`]).
    store: Arc<Mutex<Store>>,
    /// Passed before a reply's body goes out: the mail it answers is then on the disk.
    sync_gate: Arc<SyncGate>,
}

/// An open connection and when it was last used, kept between replies.
type Slot = Option<(AsyncSmtpConnection, Instant)>;

/// The outbox sender and what it needs.
pub struct Sender {
    link: Link,
    wake: Arc<Notify>,
    /// One slot per connection the sender may keep open at once.
    slots: Vec<Slot>,
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
    /// Another sender (a concurrent `process`) claimed it first.
    Taken,
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
        let link = Link {
            host: config.host.clone(),
            port: config.port,
            tls: tls(config)?,
            credentials: credentials(config)?,
            hello: ClientId::Domain(from.domain().to_owned()),
            from,
            store: Arc::new(Mutex::new(store)),
            sync_gate: Arc::new(SyncGate::default()),
        };
        // Between one and 32: more connections than that only queue at the server.
        let slots = (0..config.connections.clamp(1, 32)).map(|_| None).collect();
        Ok(Sender { link, wake, slots })
    }

    /// Sends no reply's body while `gate` is closed: for a sender that shares
    /// its outbox with an intake whose commits are synced after it is woken.
    pub fn after_syncs_of(mut self, gate: Arc<SyncGate>) -> Sender {
        self.link.sync_gate = gate;
        self
    }
}

impl Link {
    /// The slot's connection if it is fresh, else a new one (logged in where configured).
    async fn connection<'s>(&self, slot: &'s mut Slot) -> Result<&'s mut AsyncSmtpConnection, SendError> {
        let entry = match slot.take() {
            Some((connection, used)) if !connection.has_broken() && used.elapsed() <= MAX_IDLE_CONNECTION => {
                (connection, used)
            }
            old => {
                if let Some((mut old, _)) = old {
                    let _ = old.quit().await;
                }
                let opened = tokio::time::timeout(SMTP_TIMEOUT, self.open()).await;
                (opened.map_err(|_| SendError::TimedOut)??, Instant::now())
            }
        };
        let (connection, used) = slot.insert(entry);
        *used = Instant::now();
        Ok(connection)
    }

    /// Connects, says EHLO, secures and logs in. Plain and STARTTLS
    /// connections are made here, with TCP_NODELAY; an implicit-TLS one is
    /// lettre's own, which does not set it.
    async fn open(&self) -> Result<AsyncSmtpConnection, SendError> {
        let mut connection = match &self.tls {
            Tls::Wrapper(_) => {
                Tokio1Executor::connect(&self.host, self.port, Some(SMTP_TIMEOUT), &self.hello, &self.tls).await?
            }
            tls => {
                let stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port)).await?;
                stream.set_nodelay(true)?;
                let mut connection = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello).await?;
                match tls {
                    Tls::Required(parameters) => connection.starttls(parameters.clone(), &self.hello).await?,
                    Tls::Opportunistic(parameters) if connection.can_starttls() => {
                        connection.starttls(parameters.clone(), &self.hello).await?
                    }
                    _ => {}
                }
                connection
            }
        };
        if let Some(credentials) = &self.credentials {
            connection.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await?;
        }
        Ok(connection)
    }

    /// Runs `work` on the outbox off the async thread, so that a wait for
    /// another writer stalls neither intake nor signal handling.
    async fn db<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, DaemonError> {
        let store = self.store.clone();
        let done = tokio::task::spawn_blocking(move || match store.lock() {
            Ok(mut store) => work(&mut store).map_err(DaemonError::from),
            Err(_) => Err(DaemonError::Fatal("the sender's database worker panicked earlier".into())),
        })
        .await;
        match done {
            Ok(result) => result,
            Err(error) => Err(DaemonError::Fatal(format!(
                "the sender's database worker died: {}",
                super::imap::join_error(error)
            ))),
        }
    }

    /// MAIL, RCPT, DATA; then the sync gate (the mail answered is on the
    /// disk); then the mark; then the message and its final dot.
    async fn transmit(
        &self,
        slot: &mut Slot,
        reply: &QueuedReply,
        claim: Claim,
        recipients: Vec<Address>,
    ) -> Result<String, SendError> {
        let from = self.from.clone();
        let connection = self.connection(slot).await?;
        connection.command(Mail::new(Some(from), vec![])).await?;
        for recipient in recipients {
            connection.command(Rcpt::new(recipient, vec![])).await?;
        }
        connection.command(Data).await?;
        self.sync_gate.passed().await;
        if !self.db(move |store| store.mark_sending(&claim)).await.map_err(SendError::Store)? {
            return Err(SendError::Lost);
        }
        let connection = self.connection(slot).await?;
        let response = connection.message(&reply.message).await?;
        let said = response.message().collect::<Vec<_>>().join(" ");
        Ok(format!("{} {said}", response.code()))
    }

    /// Sends `replies` one after the other on one connection; stops at the
    /// first deferral (the server is likely down) or at shutdown.
    async fn send_each(
        &self,
        slot: &mut Slot,
        replies: Vec<&QueuedReply>,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<(usize, bool), DaemonError> {
        let mut sent = 0;
        for reply in replies {
            match self.send(slot, reply).await? {
                Attempt::Sent => sent += 1,
                Attempt::Refused | Attempt::Taken => {}
                Attempt::Deferred => return Ok((sent, true)),
            }
            if *shutdown.borrow() {
                break;
            }
        }
        Ok((sent, false))
    }
}

impl Sender {
    /// Sends until shutdown; between rounds it waits to be woken or for the next due reply.
    /// Returns an error only when the sender cannot go on (its database worker died).
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> Result<(), DaemonError> {
        loop {
            match self.send_due(&shutdown).await {
                Ok(_) => {}
                Err(error @ DaemonError::Fatal(_)) => return Err(error),
                Err(error) => tracing::error!(error = %error, "the outbox could not be read"),
            }
            if *shutdown.borrow() {
                return Ok(());
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                stop = sleep_or_shutdown(IDLE_CHECK, &mut shutdown) => if stop { return Ok(()); },
            }
        }
    }

    /// Sends every reply that is due; stops early when the server defers (it is likely down).
    pub async fn send_due(&mut self, shutdown: &watch::Receiver<bool>) -> Result<usize, DaemonError> {
        let link = &self.link;
        let mut sent = 0;
        let mut first = true;
        loop {
            // The first look also settles interrupted sends: one trip to the database thread, not two.
            let settle = std::mem::take(&mut first);
            let (settled, due) = link
                .db(move |store| {
                    let settled = if settle { store.settle_interrupted_sends(now())? } else { 0 };
                    Ok((settled, store.due_replies(now(), BATCH)?))
                })
                .await?;
            if settled > 0 {
                tracing::warn!(
                    replies = settled,
                    "replies the server was taking when a sender stopped are counted as sent"
                );
            }
            if due.is_empty() {
                return Ok(sent);
            }
            // Dealt out to the connections in turn; each sends its share in order, all at once.
            let lanes = self.slots.len().min(due.len());
            let shares = (0..lanes).map(|lane| due.iter().skip(lane).step_by(lanes).collect::<Vec<_>>());
            let rounds = self.slots.iter_mut().zip(shares).map(|(slot, share)| link.send_each(slot, share, shutdown));
            let mut deferred = false;
            for outcome in futures_util::future::join_all(rounds).await {
                let (count, stopped) = outcome?;
                sent += count;
                deferred |= stopped;
            }
            if deferred || *shutdown.borrow() {
                return Ok(sent);
            }
        }
    }

    /// One try at one reply on the first connection (see [`Link::send`]).
    pub async fn send(&mut self, reply: &QueuedReply) -> Result<Attempt, DaemonError> {
        let Some(slot) = self.slots.first_mut() else { return Ok(Attempt::Deferred) };
        self.link.send(slot, reply).await
    }
}

impl Link {
    /// One try at one reply, recorded in the outbox whatever happens.
    ///
    /// The reply is claimed first: of several senders at work on one outbox
    /// (the daemon, concurrent `process` runs), exactly one sends it.
    async fn send(&self, slot: &mut Slot, reply: &QueuedReply) -> Result<Attempt, DaemonError> {
        let id = reply.id;
        let Some(claim) = self.db(move |store| store.claim_reply(id, now())).await? else {
            return Ok(Attempt::Taken);
        };
        // A request made through the API tells its contact and the addresses
        // it adds: one mail, every address a recipient (comma-separated).
        let recipients: Result<Vec<Address>, _> = reply.recipient.split(',').map(|a| a.trim().parse()).collect();
        let Ok(recipients) = recipients else {
            let error = format!("{} is not a deliverable address", reply.recipient);
            self.db(move |store| store.mark_failed(id, now(), &error)).await?;
            return Ok(Attempt::Refused);
        };
        match self.transmit(slot, reply, claim, recipients).await {
            Ok(said) => {
                // Logged as the server's answer arrives; should the mark fail, the reply,
                // marked as being sent, is settled as sent at the next look.
                tracing::info!(outbox = reply.id, to = %reply.recipient, "reply sent");
                self.db(move |store| store.mark_sent(id, now(), &said)).await?;
                Ok(Attempt::Sent)
            }
            Err(SendError::Store(error)) => Err(error),
            Err(SendError::Lost) => {
                // The claim ran out before the body went: the reply is another sender's now.
                if let Some((mut connection, _)) = slot.take() {
                    connection.abort().await;
                }
                tracing::warn!(
                    outbox = reply.id,
                    "the claim on a reply ran out before it was sent; left to another sender"
                );
                Ok(Attempt::Taken)
            }
            Err(failure) => {
                // A failed conversation leaves the connection in an unknown state.
                if let Some((mut connection, _)) = slot.take() {
                    connection.abort().await;
                }
                let permanent = matches!(&failure, SendError::Smtp(error) if error.is_permanent());
                let error = failure.to_string();
                if permanent {
                    let text = format!("refused by the server: {error}");
                    self.db(move |store| store.mark_failed(id, now(), &text)).await?;
                    tracing::error!(outbox = reply.id, to = %reply.recipient, error = %error, "reply refused");
                    Ok(Attempt::Refused)
                } else {
                    let wait = (1_i64 << reply.attempts.clamp(0, 10)).min(MAX_RETRY_SECONDS);
                    let advice = match &failure {
                        SendError::Smtp(error) => super::connect::certificate_advice(error, &self.host),
                        SendError::Connect(error) => super::connect::certificate_advice(error, &self.host),
                        _ => None,
                    };
                    let text = match advice {
                        Some(advice) => {
                            tracing::error!(host = %self.host, advice, "SMTP server's certificate refused");
                            format!("{error}: {advice}")
                        }
                        None => error.to_string(),
                    };
                    self.db(move |store| store.mark_retry(id, now(), now() + wait, &text)).await?;
                    tracing::warn!(outbox = reply.id, to = %reply.recipient, error = %error, retry_in_s = wait, "reply deferred");
                    Ok(Attempt::Deferred)
                }
            }
        }
    }
}

/// Why a send did not complete.
enum SendError {
    /// The server or the conversation failed.
    Smtp(lettre::transport::smtp::Error),
    /// The connection could not be made.
    Connect(std::io::Error),
    /// The server did not answer in time.
    TimedOut,
    /// The outbox could not be updated.
    Store(DaemonError),
    /// The claim ran out: the reply is no longer this sender's.
    Lost,
}

impl From<lettre::transport::smtp::Error> for SendError {
    fn from(error: lettre::transport::smtp::Error) -> SendError {
        SendError::Smtp(error)
    }
}

impl From<std::io::Error> for SendError {
    fn from(error: std::io::Error) -> SendError {
        SendError::Connect(error)
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Smtp(error) => write!(f, "{error}"),
            SendError::Connect(error) => write!(f, "cannot connect: {error}"),
            SendError::TimedOut => write!(f, "the server did not answer within {} s", SMTP_TIMEOUT.as_secs()),
            SendError::Store(error) => write!(f, "{error}"),
            SendError::Lost => write!(f, "the claim on the reply ran out"),
        }
    }
}
