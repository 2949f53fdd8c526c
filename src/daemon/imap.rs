//! IMAP intake: every mail in the inbox is recorded exactly once, then moved.
//!
//! The order is what makes it safe: a mail is committed to SQLite (with its
//! mailbox, UIDVALIDITY and UID) BEFORE it leaves the inbox. After a crash at
//! any point, whatever is still in the inbox is looked up by that identity:
//! recorded ones are only moved, the others are processed. Nothing is
//! processed twice and nothing is skipped.

use super::connect::{self, MailStream};
use super::{password, sleep_or_shutdown, Backoff, DaemonError};
use crate::clock::now;
use crate::config::{ImapConfig, Security};
use crate::pipeline::{process_mail, Origin, Settings};
use async_imap::{Client, Session};
use formrobot_engine::forms::FormSet;
use formrobot_store::record::{Commit, ImapKey};
use formrobot_store::{EventKind, EventLevel, Store};
use futures_util::TryStreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};
use tokio_rustls::rustls::ClientConfig;

/// Messages fetched per round trip.
const BATCH: usize = 20;
/// IDLE is renewed before the 29 minutes after which servers may drop it.
const IDLE_RENEWAL: Duration = Duration::from_secs(25 * 60);
/// Tries before a mail that keeps failing is moved to quarantine.
const MAX_TRIES: u32 = 5;
/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// An IMAP session over a plain or TLS connection.
pub type ImapSession = Session<MailStream>;

/// Logs in to the server named by `config`.
pub async fn connect(config: &ImapConfig, tls: Arc<ClientConfig>) -> Result<ImapSession, DaemonError> {
    let tcp = connect::tcp(&config.host, config.port).await?;
    let client = match config.security {
        Security::Tls => {
            let mut client = Client::new(connect::start_tls(tcp, &config.host, tls).await?);
            read_greeting(&mut client).await?;
            client
        }
        Security::None => {
            let mut client = Client::new(MailStream::Plain(tcp));
            read_greeting(&mut client).await?;
            client
        }
        Security::Starttls => {
            let mut client = Client::new(MailStream::Plain(tcp));
            read_greeting(&mut client).await?;
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|e| DaemonError::Tls(format!("STARTTLS refused: {e}")))?;
            let MailStream::Plain(tcp) = client.into_inner() else {
                return Err(DaemonError::Tls("the connection was already encrypted".into()));
            };
            // After STARTTLS the server sends no second greeting.
            Client::new(connect::start_tls(tcp, &config.host, tls).await?)
        }
    };
    finish_login(client, config).await
}

async fn read_greeting(client: &mut Client<MailStream>) -> Result<(), DaemonError> {
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(DaemonError::Unreachable("the server closed the connection before greeting".into())),
        Err(error) => Err(DaemonError::Unreachable(format!("no IMAP greeting: {error}"))),
    }
}

/// LOGIN, or AUTHENTICATE PLAIN where the server refuses LOGIN (LOGINDISABLED).
async fn finish_login(client: Client<MailStream>, config: &ImapConfig) -> Result<ImapSession, DaemonError> {
    let secret = password(config.password.as_deref(), config.password_env.as_deref(), "[imap]")?;
    match client.login(&config.username, &secret).await {
        Ok(session) => Ok(session),
        Err((login_error, client)) => {
            let plain = PlainAuthenticator { username: config.username.clone(), password: secret };
            client.authenticate("PLAIN", plain).await.map_err(|(_, _)| DaemonError::Login(login_error.to_string()))
        }
    }
}

/// SASL PLAIN (RFC 4616): no authorisation identity, the user name, the password.
struct PlainAuthenticator {
    username: String,
    password: String,
}

impl async_imap::Authenticator for PlainAuthenticator {
    type Response = String;

    fn process(&mut self, _challenge: &[u8]) -> String {
        format!("\0{}\0{}", self.username, self.password)
    }
}

/// How long one IMAP command may take before the connection is given up as dead.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs an IMAP command with [`COMMAND_TIMEOUT`].
async fn timed<T>(
    what: &str,
    command: impl std::future::Future<Output = Result<T, async_imap::error::Error>>,
) -> Result<T, DaemonError> {
    match tokio::time::timeout(COMMAND_TIMEOUT, command).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(DaemonError::Unreachable(format!(
            "the server did not answer {what} within {} s",
            COMMAND_TIMEOUT.as_secs()
        ))),
    }
}

/// The intake loop and what it needs.
pub struct Intake {
    config: ImapConfig,
    tls: Arc<ClientConfig>,
    forms: FormSet,
    settings: Settings,
    store: Store,
    wake_sender: Arc<Notify>,
    /// Mails that failed for a transient reason: UID -> tries and when to try again.
    failures: HashMap<(u32, u32), (u32, Instant)>,
}

impl Intake {
    /// Prepares the intake; nothing connects yet.
    pub fn new(
        config: ImapConfig,
        forms: FormSet,
        settings: Settings,
        store: Store,
        wake_sender: Arc<Notify>,
    ) -> Result<Intake, DaemonError> {
        let tls = connect::tls_config(config.ca_file.as_deref())?;
        Ok(Intake { config, tls, forms, settings, store, wake_sender, failures: HashMap::new() })
    }

    /// Runs until shutdown, reconnecting with backoff whenever the connection is lost.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = Backoff::new(MAX_BACKOFF);
        while !*shutdown.borrow() {
            match self.session(&mut shutdown, &mut backoff).await {
                Ok(()) => return,
                Err(error) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %error, retry_in_ms = delay.as_millis() as u64, "IMAP connection lost");
                    let _ = self.store.log(
                        now(),
                        EventLevel::Warn,
                        EventKind::ImapError,
                        &format!("{error}; reconnecting in {} ms", delay.as_millis()),
                    );
                    if sleep_or_shutdown(delay, &mut shutdown).await {
                        return;
                    }
                }
            }
        }
    }

    /// One connection's life: log in, then drain the inbox and wait for more, until shutdown or an error.
    async fn session(
        &mut self,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), DaemonError> {
        let mut session = connect(&self.config, self.tls.clone()).await?;
        tracing::info!(host = %self.config.host, port = self.config.port, "IMAP connected");
        let _ = self.store.log(
            now(),
            EventLevel::Info,
            EventKind::ImapConnected,
            &format!("{}:{}", self.config.host, self.config.port),
        );
        ensure_mailboxes(&mut session, &[&self.config.processed_mailbox, &self.config.quarantine_mailbox]).await?;
        let capabilities = session.capabilities().await?;
        let can_idle = self.config.idle && capabilities.has_str("IDLE");
        let can_move = capabilities.has_str("MOVE");
        let mailbox = session.select(&self.config.mailbox).await?;
        let uidvalidity = mailbox.uid_validity.unwrap_or(0);
        backoff.reset();

        loop {
            self.drain(&mut session, uidvalidity, can_move, shutdown).await?;
            if *shutdown.borrow() {
                let _ = session.logout().await;
                return Ok(());
            }
            // A mail waiting to be retried bounds the wait, whether IDLE or polling.
            let retry_in = self.failures.values().map(|(_, at)| at.saturating_duration_since(Instant::now())).min();
            session = if can_idle {
                wait_idle(session, retry_in.map_or(IDLE_RENEWAL, |d| d.min(IDLE_RENEWAL)), shutdown).await?
            } else {
                let poll = Duration::from_secs(self.config.poll_seconds.max(1));
                if sleep_or_shutdown(retry_in.map_or(poll, |d| d.min(poll)), shutdown).await {
                    let _ = session.logout().await;
                    return Ok(());
                }
                session
            };
        }
    }

    /// Processes everything in the inbox, in UID order, and moves it away.
    async fn drain(
        &mut self,
        session: &mut ImapSession,
        uidvalidity: u32,
        can_move: bool,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<(), DaemonError> {
        let mut uids: Vec<u32> = timed("UID SEARCH", session.uid_search("ALL")).await?.into_iter().collect();
        uids.sort_unstable();
        let due = |uid: &u32| self.failures.get(&(uidvalidity, *uid)).is_none_or(|(_, at)| *at <= Instant::now());
        let uids: Vec<u32> = uids.into_iter().filter(due).collect();
        for batch in uids.chunks(BATCH) {
            if *shutdown.borrow() {
                break;
            }
            let set = uid_set(batch);
            let fetches: Vec<_> =
                timed("UID FETCH", async { session.uid_fetch(&set, "(UID BODY.PEEK[])").await?.try_collect().await })
                    .await?;
            let mut done = Vec::new();
            let mut quarantined = Vec::new();
            for fetch in &fetches {
                let Some(uid) = fetch.uid else { continue };
                let key = ImapKey { mailbox: self.config.mailbox.clone(), uidvalidity, uid };
                match self.handle(&key, fetch.body().unwrap_or_default()) {
                    Handled::Done => done.push(uid),
                    Handled::Later => {}
                    Handled::Quarantine => quarantined.push(uid),
                }
                // Mail in hand is finished; a shutdown stops before the next one.
                if *shutdown.borrow() {
                    break;
                }
            }
            self.wake_sender.notify_one();
            move_to(session, &done, &self.config.processed_mailbox, can_move).await?;
            move_to(session, &quarantined, &self.config.quarantine_mailbox, can_move).await?;
        }
        Ok(())
    }

    /// Records and answers one mail, unless that was done before a crash.
    fn handle(&mut self, key: &ImapKey, raw: &[u8]) -> Handled {
        match self.store.imap_seen(key) {
            Ok(true) => return Handled::Done,
            Ok(false) => {}
            Err(error) => return self.failed(key, &error.to_string()),
        }
        let started = Instant::now();
        match process_mail(
            &mut self.store,
            &self.forms,
            &self.settings,
            raw,
            &Origin::Imap(key.clone()),
            now(),
            Commit::Yes,
        ) {
            Ok(processed) => {
                self.failures.remove(&(key.uidvalidity, key.uid));
                let status = serde_json::to_value(processed.outcome.status).ok();
                tracing::info!(
                    uid = key.uid,
                    ticket = processed.outcome.ticket.as_deref().unwrap_or("-"),
                    sender = processed.reply.as_ref().map_or("-", |r| r.to.as_str()),
                    outcome = status.as_ref().and_then(|s| s.as_str()).unwrap_or("-"),
                    millis = started.elapsed().as_millis() as u64,
                    "mail processed"
                );
                Handled::Done
            }
            Err(error) => self.failed(key, &error.to_string()),
        }
    }

    fn failed(&mut self, key: &ImapKey, error: &str) -> Handled {
        let entry = self.failures.entry((key.uidvalidity, key.uid)).or_insert((0, Instant::now()));
        entry.0 += 1;
        let tries = entry.0;
        if tries >= MAX_TRIES {
            tracing::error!(uid = key.uid, tries, error, "mail keeps failing; moved to quarantine");
            let _ = self.store.log(
                now(),
                EventLevel::Error,
                EventKind::Quarantined,
                &format!(
                    "UID {} of {} failed {tries} times ({error}); moved to {}",
                    key.uid, key.mailbox, self.config.quarantine_mailbox
                ),
            );
            self.failures.remove(&(key.uidvalidity, key.uid));
            return Handled::Quarantine;
        }
        let delay = Duration::from_secs(2u64.pow(tries));
        entry.1 = Instant::now() + delay;
        tracing::warn!(
            uid = key.uid,
            tries,
            error,
            retry_in_s = delay.as_secs(),
            "mail failed; left in the inbox to retry"
        );
        Handled::Later
    }
}

/// What became of one fetched mail.
enum Handled {
    /// Recorded (now or before): move it to the processed mailbox.
    Done,
    /// Failed for now: leave it in the inbox.
    Later,
    /// Failed too often: move it to quarantine.
    Quarantine,
}

/// `1,2,5` for an IMAP UID set.
fn uid_set(uids: &[u32]) -> String {
    uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

/// Creates the mailboxes that do not exist yet.
pub async fn ensure_mailboxes(session: &mut ImapSession, names: &[&str]) -> Result<(), DaemonError> {
    for name in names {
        let existing: Vec<_> = session.list(None, Some(name)).await?.try_collect().await?;
        if existing.is_empty() {
            session.create(name).await.map_err(|e| DaemonError::Mailbox(format!("{name} cannot be created: {e}")))?;
            tracing::info!(mailbox = name, "mailbox created");
        }
    }
    Ok(())
}

/// Moves `uids` to `mailbox`: UID MOVE where offered, else COPY, \Deleted and EXPUNGE.
async fn move_to(session: &mut ImapSession, uids: &[u32], mailbox: &str, can_move: bool) -> Result<(), DaemonError> {
    if uids.is_empty() {
        return Ok(());
    }
    let set = uid_set(uids);
    if can_move {
        timed("UID MOVE", session.uid_mv(&set, mailbox)).await?;
    } else {
        session.uid_copy(&set, mailbox).await?;
        let _: Vec<_> = session.uid_store(&set, "+FLAGS.SILENT (\\Deleted)").await?.try_collect().await?;
        let _: Vec<_> = session.uid_expunge(&set).await?.try_collect().await?;
    }
    Ok(())
}

/// Waits in IDLE until the server reports a change, `limit` passes, or shutdown.
async fn wait_idle(
    session: ImapSession,
    limit: Duration,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<ImapSession, DaemonError> {
    let mut idle = session.idle();
    idle.init().await?;
    {
        let (wait, stop) = idle.wait_with_timeout(IDLE_RENEWAL);
        tokio::select! {
            result = wait => { result?; }
            _ = tokio::time::sleep(limit) => drop(stop),
            _ = shutdown.changed() => drop(stop),
        }
    }
    Ok(idle.done().await?)
}
