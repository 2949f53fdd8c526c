//! IMAP intake: every mail in the inbox is recorded exactly once, then moved.
//!
//! The order is what makes it safe: a mail is committed to SQLite (with its
//! mailbox, UIDVALIDITY and UID) BEFORE it leaves the inbox. After a crash at
//! any point, whatever is still in the inbox is looked up by that identity:
//! recorded ones are only moved, the others are processed. Nothing is
//! processed twice and nothing is skipped.
//!
//! Each try at a mail is counted in the database before it starts, so a mail
//! that kills the robot is counted too; after five tries (`MAX_TRIES`) it goes to
//! the quarantine mailbox, with an event, instead of killing it again.
//!
//! Speed: the mails of one fetch that were never tried are recorded in group
//! commits ([`crate::batch`], as `replay` records), so that a backlog costs
//! one wait for the disk per group instead of one per mail. A mail tried
//! before goes alone, so a mail that kills the robot takes its group down
//! once: at the next start the others are tried alone too, and recorded.
//!
//! A group is committed without waiting for the disk; the sender is woken,
//! and the disk is waited for while the sender starts on the replies
//! ([`super::SyncGate`]): only then does a mail leave the inbox or a reply's
//! body go to the server.

use super::connect::{self, MailStream};
use super::{password, sleep_or_shutdown, Backoff, DaemonError, SyncGate};
use crate::batch::{Batch, NotCommitted};
use crate::clock::now;
use crate::config::{ImapConfig, Security};
use crate::fault::{injected_fault, FaultPoint};
use crate::pipeline::{self, Origin, Settings};
use async_imap::extensions::idle::IdleResponse;
use async_imap::types::UnsolicitedResponse;
use async_imap::{Client, Session};
use formrobot_engine::forms::FormSet;
use formrobot_store::record::{Commit, ImapKey};
use formrobot_store::{EventKind, EventLevel, Store};
use futures_util::TryStreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
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
/// The wait after the server's certificate was refused: only a change on the
/// server or in the configuration helps, so the robot does not hammer it.
const CERTIFICATE_RETRY: Duration = Duration::from_secs(300);

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

/// Reads the server's greeting; a server that accepts the connection but never
/// greets (no IMAP server behind the port) must not hold the robot forever.
async fn read_greeting(client: &mut Client<MailStream>) -> Result<(), DaemonError> {
    match tokio::time::timeout(connect::CONNECT_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => Err(DaemonError::Unreachable("the server closed the connection before greeting".into())),
        Ok(Err(error)) => Err(DaemonError::Unreachable(format!("no IMAP greeting: {error}"))),
        Err(_) => Err(DaemonError::Unreachable(format!(
            "no IMAP greeting within {} s (is an IMAP server listening on that port?)",
            connect::CONNECT_TIMEOUT.as_secs()
        ))),
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
    /// The database work, done off the async thread.
    worker: Arc<Mutex<Worker>>,
}

/// What the intake does with the database: run on a blocking thread
/// ([`tokio::task::spawn_blocking`]), so that a long commit, or a wait for
/// another writer, stalls neither the sender nor signal handling.
struct Worker {
    forms: FormSet,
    settings: Settings,
    store: Store,
    quarantine_mailbox: String,
    /// Mails that failed for a transient reason: tries seen by this process and when to try again.
    /// The count that matters is the database's (tries are committed before they start); this one
    /// only stands in when the database cannot be written.
    failures: HashMap<(u32, u32), (u32, Instant)>,
    /// Woken after each commit that recorded mails: their replies are in the outbox.
    wake_sender: Arc<Notify>,
    /// Closed from a commit until its sync: the sender sends no reply's body meanwhile.
    sync_gate: Arc<SyncGate>,
}

impl Intake {
    /// Prepares the intake; nothing connects yet.
    pub fn new(
        config: ImapConfig,
        forms: FormSet,
        settings: Settings,
        store: Store,
        wake_sender: Arc<Notify>,
        sync_gate: Arc<SyncGate>,
    ) -> Result<Intake, DaemonError> {
        let tls = connect::tls_config(config.ca_file.as_deref())?;
        // The commits that record mails are synced by hand (`Worker::commit`), after the sender
        // is woken; the others (tries counted, events) need not wait for the disk.
        store.prefer_fast_commits()?;
        let worker = Worker {
            forms,
            settings,
            store,
            quarantine_mailbox: config.quarantine_mailbox.clone(),
            failures: HashMap::new(),
            wake_sender,
            sync_gate,
        };
        Ok(Intake { config, tls, worker: Arc::new(Mutex::new(worker)) })
    }

    /// Runs `work` on the worker, off the async thread. A panic there is fatal for the intake.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Worker) -> T + Send + 'static,
    ) -> Result<T, DaemonError> {
        let worker = self.worker.clone();
        let done = tokio::task::spawn_blocking(move || match worker.lock() {
            Ok(mut worker) => Ok(work(&mut worker)),
            Err(_) => Err(DaemonError::Fatal("the intake's database worker panicked earlier".into())),
        })
        .await;
        match done {
            Ok(result) => result,
            Err(error) => Err(DaemonError::Fatal(format!("the intake's database worker died: {}", join_error(error)))),
        }
    }

    /// Writes an event that concerns no single mail; a failure to write it is only logged.
    async fn log(&self, level: EventLevel, kind: EventKind, details: String) -> Result<(), DaemonError> {
        self.blocking(move |worker| {
            if let Err(error) = worker.store.log(now(), level, kind, &details) {
                tracing::warn!(error = %error, "an event could not be written");
            }
        })
        .await
    }

    /// Runs until shutdown, reconnecting with backoff whenever the connection is lost.
    /// Returns an error only when the intake cannot go on (its database worker died).
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> Result<(), DaemonError> {
        let mut backoff = Backoff::new(MAX_BACKOFF);
        while !*shutdown.borrow() {
            match self.session(&mut shutdown, &mut backoff).await {
                Ok(()) => return Ok(()),
                Err(error @ DaemonError::Fatal(_)) => return Err(error),
                Err(error @ DaemonError::Certificate { .. }) => {
                    // Trying again soon changes nothing until the certificate or the
                    // configuration does; now and then, so the robot goes on by itself once fixed.
                    let delay = CERTIFICATE_RETRY;
                    tracing::error!(error = %error, retry_in_s = delay.as_secs(), "IMAP server's certificate refused");
                    self.log(
                        EventLevel::Error,
                        EventKind::ImapError,
                        format!("{error}; trying again in {} s", delay.as_secs()),
                    )
                    .await?;
                    if sleep_or_shutdown(delay, &mut shutdown).await {
                        return Ok(());
                    }
                }
                Err(error) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %error, retry_in_ms = delay.as_millis() as u64, "IMAP connection lost");
                    self.log(
                        EventLevel::Warn,
                        EventKind::ImapError,
                        format!("{error}; reconnecting in {} ms", delay.as_millis()),
                    )
                    .await?;
                    if sleep_or_shutdown(delay, &mut shutdown).await {
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    }

    /// One connection's life: log in, then drain the inbox and wait for more, until shutdown or an error.
    async fn session(
        &mut self,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), DaemonError> {
        let mut session = connect(&self.config, self.tls.clone()).await?;
        tracing::info!(host = %self.config.host, port = self.config.port, "IMAP connected");
        self.log(EventLevel::Info, EventKind::ImapConnected, format!("{}:{}", self.config.host, self.config.port))
            .await?;
        ensure_mailboxes(&mut session, &[&self.config.processed_mailbox, &self.config.quarantine_mailbox]).await?;
        let capabilities = session.capabilities().await?;
        let can_idle = self.config.idle && capabilities.has_str("IDLE");
        let can_move = capabilities.has_str("MOVE");
        let mailbox = session.select(&self.config.mailbox).await?;
        let uidvalidity = mailbox.uid_validity.unwrap_or(0);
        backoff.reset();
        let poll = Duration::from_secs(self.config.poll_seconds.max(1));

        loop {
            self.drain(&mut session, uidvalidity, can_move, shutdown).await?;
            if *shutdown.borrow() {
                let _ = session.logout().await;
                return Ok(());
            }
            // A mail waiting to be retried bounds the wait, and so does poll_seconds, whether IDLE or
            // polling: should a server's notice of new mail ever go missing, the mail waits no longer.
            let retry_in = self
                .blocking(|worker| {
                    worker.failures.values().map(|(_, at)| at.saturating_duration_since(Instant::now())).min()
                })
                .await?;
            let wait = retry_in.map_or(poll, |d| d.min(poll));
            session = if can_idle {
                wait_idle(session, wait.min(IDLE_RENEWAL), shutdown).await?
            } else {
                if sleep_or_shutdown(wait, shutdown).await {
                    let _ = session.logout().await;
                    return Ok(());
                }
                session
            };
        }
    }

    /// Processes everything in the inbox, in UID order, and moves it away; then
    /// searches again, until a search finds nothing new. Mail that arrived
    /// while a batch was being processed is found by the next search: the
    /// server's notice of it came during the batch and is not repeated.
    /// A batch is moved only after its commit, while the next one is recorded.
    async fn drain(
        &mut self,
        session: &mut ImapSession,
        uidvalidity: u32,
        can_move: bool,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<(), DaemonError> {
        // Each mail is looked at once per drain; one that failed waits for its retry time.
        let mut looked_at = HashSet::new();
        loop {
            // Notices buffered so far are answered by this search.
            forget_notices(session);
            let found: Vec<u32> = timed("UID SEARCH", session.uid_search("ALL")).await?.into_iter().collect();
            let failures = self.blocking(|worker| worker.failures.clone()).await?;
            let due = |uid: &u32| {
                !looked_at.contains(uid)
                    && failures.get(&(uidvalidity, *uid)).is_none_or(|(_, at)| *at <= Instant::now())
            };
            let mut uids: Vec<u32> = found.into_iter().filter(due).collect();
            if uids.is_empty() {
                return Ok(());
            }
            uids.sort_unstable();
            looked_at.extend(uids.iter().copied());
            // The mails of the batch before, recorded and still to be moved.
            let mut recorded = Moves::default();
            for batch in uids.chunks(BATCH) {
                if *shutdown.borrow() {
                    break;
                }
                let set = uid_set(batch);
                let fetches: Vec<_> = timed("UID FETCH", async {
                    session.uid_fetch(&set, "(UID BODY.PEEK[])").await?.try_collect().await
                })
                .await?;
                let mails: Vec<(u32, Vec<u8>)> = fetches
                    .iter()
                    .filter_map(|fetch| fetch.uid.map(|uid| (uid, fetch.body().unwrap_or_default().to_vec())))
                    .collect();
                let mailbox = self.config.mailbox.clone();
                let stop = shutdown.clone();
                // While the worker records this batch, the server moves the one before, whose
                // commit is done: a backlog's time per batch is the longer of the two, not their sum.
                let (handled, moved) = tokio::join!(
                    self.blocking(move |worker| worker.handle_batch(&mailbox, uidvalidity, mails, &stop)),
                    self.move_away(session, &recorded, can_move),
                );
                let moves = handled?;
                moved?;
                recorded = moves;
            }
            self.move_away(session, &recorded, can_move).await?;
            if *shutdown.borrow() {
                return Ok(());
            }
        }
    }

    /// Moves recorded mails to the processed mailbox and quarantined ones to quarantine.
    async fn move_away(&self, session: &mut ImapSession, moves: &Moves, can_move: bool) -> Result<(), DaemonError> {
        move_to(session, &moves.done, &self.config.processed_mailbox, can_move).await?;
        move_to(session, &moves.quarantined, &self.config.quarantine_mailbox, can_move).await
    }
}

impl Worker {
    /// Handles fetched mails in UID order; says which to move to the processed
    /// mailbox and which to quarantine.
    ///
    /// Mails never tried before are recorded in groups, many to a commit
    /// ([`Batch`], as `replay` does). A mail tried before (it failed, or the
    /// robot died while a group held it) is tried alone: a mail that kills the
    /// robot thus takes the others of its group down once, not at every start.
    /// A shutdown stops before the next group or mail; the one in hand is finished.
    fn handle_batch(
        &mut self,
        mailbox: &str,
        uidvalidity: u32,
        mails: Vec<(u32, Vec<u8>)>,
        shutdown: &watch::Receiver<bool>,
    ) -> Moves {
        let mut moves = Moves::default();
        let mut group: Vec<(ImapKey, Vec<u8>)> = Vec::new();
        for (uid, raw) in mails {
            if *shutdown.borrow() {
                // Nothing of the group has begun: it waits in the inbox for the next start.
                return moves;
            }
            let key = ImapKey { mailbox: mailbox.to_owned(), uidvalidity, uid };
            match self.triage(&key) {
                Triage::Settled(handled) => moves.settle(uid, handled),
                Triage::Fresh => group.push((key, raw)),
                Triage::Retry => {
                    // The group before it first, so that mails are recorded in UID order.
                    self.record_group(std::mem::take(&mut group), &mut moves);
                    if *shutdown.borrow() {
                        return moves;
                    }
                    self.record_group(vec![(key, raw)], &mut moves);
                }
            }
        }
        if !*shutdown.borrow() {
            self.record_group(group, &mut moves);
        }
        moves
    }

    /// What a fetched mail needs, from what the database knows of it: nothing
    /// more (recorded before a crash), quarantine (tried too often), or a try,
    /// in a group (never tried) or alone (tried before).
    fn triage(&mut self, key: &ImapKey) -> Triage {
        match self.store.imap_seen(key) {
            // Recorded by a robot that may have died between its commit and its sync: synced
            // here before the mail leaves the inbox. Rare (after a crash), so one sync each.
            Ok(true) => {
                return Triage::Settled(match self.store.sync_committed() {
                    Ok(()) => Handled::Done,
                    Err(error) => self.failed(key, &format!("the database could not be synced: {error}"), 0),
                })
            }
            Ok(false) => {}
            Err(error) => return Triage::Settled(self.failed(key, &error.to_string(), 0)),
        }
        match self.store.imap_attempts(key) {
            Ok((0, _)) => Triage::Fresh,
            Ok((tried, _)) if tried < MAX_TRIES => Triage::Retry,
            Ok((tried, last_error)) => {
                let why = last_error.unwrap_or_else(|| "the robot stopped during each try".to_owned());
                Triage::Settled(self.quarantine(key, &format!("was tried {tried} times and never recorded ({why})")))
            }
            Err(error) => Triage::Settled(self.failed(key, &error.to_string(), 0)),
        }
    }

    /// Records and answers the mails of `group`, committed together.
    ///
    /// A try at each is counted in the database and committed BEFORE any of
    /// them starts (one commit for the group): a mail that kills the robot
    /// (whatever kills it) is counted like one that fails, and after
    /// [`MAX_TRIES`] tries it is quarantined without another. A mail is moved
    /// out of the inbox only once its group is committed.
    fn record_group(&mut self, group: Vec<(ImapKey, Vec<u8>)>, moves: &mut Moves) {
        if group.is_empty() {
            return;
        }
        let keys: Vec<&ImapKey> = group.iter().map(|(key, _)| key).collect();
        let counted = self.store.begin_imap_attempts(&keys, now());
        let tries = match counted {
            Ok(tries) => tries,
            Err(error) => {
                // Not counted, so not tried: a try must be on disk before it starts.
                let error = error.to_string();
                for (key, _) in &group {
                    let handled = self.failed(key, &error, 0);
                    moves.settle(key.uid, handled);
                }
                return;
            }
        };
        // The pure stages first, for the whole group, before its transaction
        // opens: the group holds the store's write lock (which the sender
        // also needs) only to record, not while forms are checked.
        let prepared: Vec<_> = group
            .into_iter()
            .zip(tries)
            .map(|((key, raw), tries)| {
                injected_fault(FaultPoint::BeforeProcessing, &raw);
                let started = Instant::now();
                let prepared = pipeline::prepare(&self.forms, &self.settings, raw, now());
                (key, tries, prepared, started.elapsed())
            })
            .collect();
        let mut batch = Batch::new(true);
        let mut failures = Vec::new();
        for (key, tries, prepared, prepared_in) in prepared {
            if let Err(error) = batch.open(&mut self.store) {
                failures.push((key, error.to_string(), tries));
                continue;
            }
            let started = Instant::now();
            let size = prepared.raw().len();
            let origin = Origin::Imap(key.clone());
            let recorded =
                pipeline::record(&mut self.store, &self.forms, &self.settings, prepared, &origin, Commit::Yes);
            match recorded {
                Ok(processed) => {
                    batch.recorded(size);
                    batch.after_commit(InBatch {
                        key,
                        tries,
                        ticket: processed.outcome.ticket,
                        sender: processed.reply.map(|reply| reply.to),
                        outcome: serde_json::to_value(processed.outcome.status)
                            .ok()
                            .and_then(|status| status.as_str().map(str::to_owned)),
                        // Its own time: its pure stages and its recording, not the rest of the group's.
                        millis: (prepared_in + started.elapsed()).as_millis() as u64,
                    });
                }
                Err(error) => {
                    // Noted in the group's transaction; should that be lost, the try is still counted.
                    let error = error.to_string();
                    if let Err(note) = self.store.imap_attempt_failed(&key, now(), &error) {
                        tracing::warn!(uid = key.uid, error = %note, "the failure could not be noted");
                    }
                    failures.push((key, error, tries));
                }
            }
            if batch.is_full() {
                self.commit(&mut batch, moves, &mut failures);
            }
        }
        self.commit(&mut batch, moves, &mut failures);
        // Outside the group's transaction: a quarantine's event is written on its own.
        for (key, error, tries) in failures {
            let handled = self.failed(&key, &error, tries);
            moves.settle(key.uid, handled);
        }
    }

    /// Commits `batch`: its mails are then recorded, and are to be moved.
    /// If the commit fails, none of them is moved now and each has failed this
    /// try; one that was recorded after all (SQLite ended the transaction
    /// early, and the mail was committed on its own) is found recorded at the
    /// next look and moved then.
    ///
    /// The commit does not wait for the disk: the sender is woken first, and
    /// the disk waited for while it starts (see [`SyncGate`]). A sync that
    /// fails counts as a failed commit.
    fn commit(&mut self, batch: &mut Batch<InBatch>, moves: &mut Moves, failures: &mut Vec<(ImapKey, String, u32)>) {
        let hold = self.sync_gate.hold();
        let committed = batch.commit(&mut self.store);
        let synced = committed.and_then(|recorded| {
            if recorded.is_empty() {
                // Nothing that must outlast a power loss: no mail recorded, no reply queued.
                return Ok(recorded);
            }
            self.wake_sender.notify_one();
            match self.store.sync_committed() {
                Ok(()) => Ok(recorded),
                Err(error) => Err(NotCommitted { error: error.into(), actions: recorded }),
            }
        });
        drop(hold);
        match synced {
            Ok(recorded) => {
                for mail in recorded {
                    self.failures.remove(&(mail.key.uidvalidity, mail.key.uid));
                    tracing::info!(
                        uid = mail.key.uid,
                        ticket = mail.ticket.as_deref().unwrap_or("-"),
                        sender = mail.sender.as_deref().unwrap_or("-"),
                        outcome = mail.outcome.as_deref().unwrap_or("-"),
                        millis = mail.millis,
                        "mail processed"
                    );
                    moves.done.push(mail.key.uid);
                }
            }
            Err(failed) => {
                let error = format!("the commit failed: {}", failed.error);
                tracing::warn!(mails = failed.actions.len(), error, "a group of mails was not recorded");
                failures.extend(failed.actions.into_iter().map(|mail| (mail.key, error.clone(), mail.tries)));
            }
        }
    }

    /// A try failed (or could not start); `counted` is the database's count of tries, if known.
    fn failed(&mut self, key: &ImapKey, error: &str, counted: u32) -> Handled {
        let entry = self.failures.entry((key.uidvalidity, key.uid)).or_insert((0, Instant::now()));
        entry.0 += 1;
        let tries = entry.0.max(counted);
        if tries >= MAX_TRIES {
            return self.quarantine(key, &format!("failed {tries} times ({error})"));
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

    /// Gives up on a mail: logs why, and has it moved to the quarantine mailbox.
    fn quarantine(&mut self, key: &ImapKey, why: &str) -> Handled {
        tracing::error!(uid = key.uid, why, "mail keeps failing; moved to quarantine");
        let details = format!("UID {} of {} {why}; moved to {}", key.uid, key.mailbox, self.quarantine_mailbox);
        if let Err(error) = self.store.log(now(), EventLevel::Error, EventKind::Quarantined, &details) {
            tracing::warn!(error = %error, "the quarantine event could not be written");
        }
        self.failures.remove(&(key.uidvalidity, key.uid));
        Handled::Quarantine
    }
}

/// What a task that ended with a panic or was cancelled said.
pub(super) fn join_error(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(panic) => panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .map_or_else(|| "it panicked".to_owned(), |text| format!("it panicked: {text}")),
        Err(error) => error.to_string(),
    }
}

/// Empties the session's buffer of unsolicited responses (EXISTS, EXPUNGE, ...):
/// the search that follows answers whatever they announced. Left alone, the
/// buffer fills and later notices are dropped.
fn forget_notices(session: &mut ImapSession) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

/// What became of one fetched mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handled {
    /// Recorded (now or before): move it to the processed mailbox.
    Done,
    /// Failed for now: leave it in the inbox.
    Later,
    /// Failed too often: move it to quarantine.
    Quarantine,
}

/// What a fetched mail needs (see [`Worker::triage`]).
enum Triage {
    /// Nothing more is tried now.
    Settled(Handled),
    /// Never tried: recorded in a group.
    Fresh,
    /// Tried before: tried alone.
    Retry,
}

/// A mail recorded in a batch not yet committed: logged and moved once it is.
struct InBatch {
    key: ImapKey,
    /// The tries at it, this one included.
    tries: u32,
    ticket: Option<String>,
    /// Whom the reply goes to.
    sender: Option<String>,
    outcome: Option<String>,
    /// How long processing it took.
    millis: u64,
}

/// Where the fetched mails go.
#[derive(Debug, Default)]
struct Moves {
    /// Recorded (now or before): to the processed mailbox.
    done: Vec<u32>,
    /// Failed too often: to quarantine.
    quarantined: Vec<u32>,
}

impl Moves {
    fn settle(&mut self, uid: u32, handled: Handled) {
        match handled {
            Handled::Done => self.done.push(uid),
            Handled::Later => {}
            Handled::Quarantine => self.quarantined.push(uid),
        }
    }
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
///
/// Mail announced while IDLE was being started (in the buffered notices) ends
/// the wait at once.
async fn wait_idle(
    session: ImapSession,
    limit: Duration,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<ImapSession, DaemonError> {
    let notices = session.unsolicited_responses.clone();
    let mut idle = session.idle();
    idle.init().await?;
    let mut announced = false;
    while let Ok(notice) = notices.try_recv() {
        announced |= matches!(notice, UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_));
    }
    if announced {
        tracing::info!("IMAP announced new mail while IDLE began");
    } else {
        let (wait, stop) = idle.wait_with_timeout(IDLE_RENEWAL);
        tokio::select! {
            result = wait => {
                // The moment the server's notice arrives: where the robot's own
                // time for a mail begins (the server may have held the notice back).
                if let IdleResponse::NewData(_) = result? {
                    tracing::info!("IMAP announced new mail");
                }
            }
            _ = tokio::time::sleep(limit) => drop(stop),
            _ = shutdown.changed() => drop(stop),
        }
    }
    Ok(idle.done().await?)
}
