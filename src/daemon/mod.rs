//! The daemon: watches the robot's IMAP mailbox and sends replies by SMTP.
//!
//! Two loops share nothing but the database file, a wake-up signal and a
//! [`SyncGate`]: [`imap`] fetches new mail, runs each through
//! [`crate::pipeline`], and moves it out of the inbox only after it is
//! committed and on the disk; [`smtp`] sends what the outbox holds, sends no
//! reply's body before the mail it answers is on the disk, and marks a reply
//! sent only after the server accepted it.
//! Both reconnect with exponential backoff and jitter, and both finish the
//! mail in hand before stopping on SIGTERM or SIGINT. Both do their SQLite
//! work on blocking threads, so that the one async thread is always free for
//! the other loop and for signals. [`run`] watches both: one that dies (a
//! panic) ends the daemon with an error, and systemd starts it again.

pub mod connect;
pub mod imap;
pub mod smtp;

use crate::config::Config;
use crate::pipeline::{PipelineError, Settings};
use formrobot_engine::forms::FormSet;
use formrobot_store::{Store, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// What can go wrong while talking to the mail servers.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The server could not be reached.
    #[error("cannot reach {0}")]
    Unreachable(String),
    /// TLS could not be set up.
    #[error("TLS failed: {0}")]
    Tls(String),
    /// The server's certificate was refused; trying again does not help until
    /// the operator changes it or the configuration.
    #[error("TLS failed: the certificate of {host} is refused: {advice}")]
    Certificate {
        /// The server.
        host: String,
        /// What is wrong and how to put it right, in an operator's words.
        advice: String,
    },
    /// The server refused the login.
    #[error("login refused: {0}")]
    Login(String),
    /// An IMAP command failed.
    #[error("IMAP: {0}")]
    Imap(#[from] async_imap::error::Error),
    /// A mailbox is missing and could not be created.
    #[error("mailbox {0}")]
    Mailbox(String),
    /// Talking to the SMTP server failed.
    #[error("SMTP: {0}")]
    Smtp(String),
    /// The configuration lacks something.
    #[error("configuration: {0}")]
    Config(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The pipeline failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// A part of the daemon cannot go on (a panic in its worker): the daemon stops with a failure.
    #[error("{0}")]
    Fatal(String),
}

/// A password from the configuration, or from the environment variable it names.
pub fn password(inline: Option<&str>, from_env: Option<&str>, what: &str) -> Result<String, DaemonError> {
    if let Some(variable) = from_env {
        return std::env::var(variable)
            .map_err(|_| DaemonError::Config(format!("{what}: the environment variable {variable} is not set")));
    }
    inline.map(str::to_owned).ok_or_else(|| DaemonError::Config(format!("{what}: give password or password_env")))
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s, ... up to `max`, each
/// shortened by a random part so that restarted robots do not knock in step.
#[derive(Debug)]
pub struct Backoff {
    next: Duration,
    max: Duration,
    seed: u64,
}

impl Backoff {
    /// A backoff starting at one second.
    pub fn new(max: Duration) -> Backoff {
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64 | 1);
        Backoff { next: Duration::from_secs(1), max, seed }
    }

    /// The next wait.
    pub fn next_delay(&mut self) -> Duration {
        // xorshift: enough randomness for spreading retries, no dependency needed.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let current = self.next;
        self.next = (self.next * 2).min(self.max);
        let jitter = current.as_millis() as u64 / 4;
        current - Duration::from_millis(if jitter == 0 { 0 } else { self.seed % jitter })
    }

    /// Back to one second, after a success.
    pub fn reset(&mut self) {
        self.next = Duration::from_secs(1);
    }
}

/// Commits that other connections can see but that may not be on the disk yet.
///
/// The intake commits a group of mails without waiting for the disk, wakes
/// the sender, and only then waits for the disk, so that the sender's first
/// steps for a reply (reading the outbox, the claim, MAIL, RCPT and DATA) run
/// while the disk is busy. The sender passes this gate before a reply's body
/// goes to the server ([`smtp`]), and the intake moves a mail out of the
/// inbox only after its own sync: nothing leaves the robot before the mail it
/// answers is on the disk.
#[derive(Debug)]
pub struct SyncGate {
    pending: watch::Sender<usize>,
}

impl Default for SyncGate {
    fn default() -> SyncGate {
        SyncGate { pending: watch::channel(0).0 }
    }
}

impl SyncGate {
    /// Closes the gate until the returned hold is dropped: take it before the
    /// commit, drop it after the sync.
    pub fn hold(&self) -> SyncHold<'_> {
        self.pending.send_modify(|pending| *pending += 1);
        SyncHold { gate: self }
    }

    /// Resolves once no commit is waiting for the disk.
    pub async fn passed(&self) {
        let mut pending = self.pending.subscribe();
        // The sender half lives in `self`, so the wait cannot end in an error.
        let _ = pending.wait_for(|pending| *pending == 0).await;
    }
}

/// A commit waiting for the disk (see [`SyncGate::hold`]).
#[derive(Debug)]
pub struct SyncHold<'a> {
    gate: &'a SyncGate,
}

impl Drop for SyncHold<'_> {
    fn drop(&mut self) {
        self.gate.pending.send_modify(|pending| *pending = pending.saturating_sub(1));
    }
}

/// Sleeps for `delay`, or less if shutdown is asked for; true if it was.
pub async fn sleep_or_shutdown(delay: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    if *shutdown.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(delay) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}

/// Runs the daemon until SIGTERM or SIGINT.
pub async fn run(config: Config, forms: FormSet) -> Result<(), DaemonError> {
    let imap_config =
        config.imap.clone().ok_or_else(|| DaemonError::Config("the daemon needs an [imap] section".into()))?;
    let smtp_config =
        config.smtp.clone().ok_or_else(|| DaemonError::Config("the daemon needs an [smtp] section".into()))?;
    let settings = Settings::from_config(&config);
    let (stop, shutdown) = watch::channel(false);
    let wake_sender = Arc::new(Notify::new());
    let sync_gate = Arc::new(SyncGate::default());

    let intake_store = Store::open(&config.database)?;
    let sender_store = Store::open(&config.database)?;
    let intake = imap::Intake::new(imap_config, forms, settings, intake_store, wake_sender.clone(), sync_gate.clone())?;
    let sender = smtp::Sender::new(&smtp_config, sender_store, wake_sender)?.after_syncs_of(sync_gate);

    let mut intake_task = tokio::spawn(intake.run(shutdown.clone()));
    let mut sender_task = tokio::spawn(sender.run(shutdown));
    // Both loops run until shutdown: one that ends before is dead, and so is the daemon.
    let died = tokio::select! {
        _ = wait_for_signal() => None,
        ended = &mut intake_task => Some(("intake", ended)),
        ended = &mut sender_task => Some(("sender", ended)),
    };
    let Some((task, ended)) = died else {
        tracing::info!("shutting down: finishing the mail in hand");
        let _ = stop.send(true);
        let intake = why_ended(intake_task.await);
        let sender = why_ended(sender_task.await);
        for (task, why) in [("intake", intake), ("sender", sender)] {
            if let Some(why) = why {
                tracing::error!(task, why, "failed while stopping");
            }
        }
        tracing::info!("stopped");
        return Ok(());
    };
    let why = why_ended(ended).unwrap_or_else(|| "it ended".to_owned());
    tracing::error!(task, why, "the {task} task died; stopping, so that the service manager starts the robot again");
    let _ = stop.send(true);
    let other = if task == "intake" { sender_task } else { intake_task };
    let _ = tokio::time::timeout(STOP_WAIT, other).await;
    Err(DaemonError::Fatal(format!("the {task} task died: {why}")))
}

/// How long a dying daemon waits for its other loop to finish the work in hand.
const STOP_WAIT: Duration = Duration::from_secs(30);

/// Why a loop ended: `None` for a clean end, else the error or the panic.
fn why_ended(ended: Result<Result<(), DaemonError>, tokio::task::JoinError>) -> Option<String> {
    match ended {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error.to_string()),
        Err(error) => Some(imap::join_error(error)),
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_limit_with_jitter() {
        let mut backoff = Backoff::new(Duration::from_secs(8));
        let delays: Vec<Duration> = (0..6).map(|_| backoff.next_delay()).collect();
        let ceilings = [1, 2, 4, 8, 8, 8];
        for (delay, ceiling) in delays.iter().zip(ceilings) {
            let ceiling = Duration::from_secs(ceiling);
            assert!(*delay <= ceiling && *delay >= ceiling * 3 / 4, "{delay:?} against {ceiling:?}");
        }
        backoff.reset();
        assert!(backoff.next_delay() <= Duration::from_secs(1));
    }

    #[tokio::test]
    async fn the_sync_gate_is_passed_only_when_no_commit_waits_for_the_disk() {
        let gate = Arc::new(SyncGate::default());
        let quick = Duration::from_millis(50);
        assert!(tokio::time::timeout(quick, gate.passed()).await.is_ok(), "open at first");
        let first = gate.hold();
        let second = gate.hold();
        assert!(tokio::time::timeout(quick, gate.passed()).await.is_err(), "closed while held");
        drop(first);
        assert!(tokio::time::timeout(quick, gate.passed()).await.is_err(), "closed while one hold is left");
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.passed().await }
        });
        tokio::task::yield_now().await;
        drop(second);
        assert!(tokio::time::timeout(Duration::from_secs(5), waiting).await.is_ok(), "a waiter goes on once released");
    }

    #[test]
    fn passwords_come_from_the_file_or_the_environment() {
        assert_eq!(password(Some("x"), None, "imap").ok().as_deref(), Some("x"));
        assert!(password(None, None, "imap").is_err());
        assert!(password(Some("x"), Some("FORMROBOT_TEST_SURELY_UNSET"), "imap").is_err());
    }
}

/// One line of `check-config`'s report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigCheck {
    /// What was checked.
    pub what: String,
    /// `Ok` with a note, or `Err` with what is wrong.
    pub result: Result<String, String>,
}

/// Connects to both servers as the daemon would and says what works and what does not.
pub async fn check_config(config: &Config) -> Vec<ConfigCheck> {
    let mut checks = Vec::new();
    match &config.imap {
        None => checks.push(ConfigCheck { what: "IMAP".into(), result: Err("no [imap] section".into()) }),
        Some(imap_config) => checks.extend(check_imap(imap_config).await),
    }
    match &config.smtp {
        None => checks.push(ConfigCheck { what: "SMTP".into(), result: Err("no [smtp] section".into()) }),
        Some(smtp_config) => {
            let what = format!("SMTP {}:{}", smtp_config.host, smtp_config.port);
            let result = match smtp::transport(smtp_config) {
                Err(error) => Err(error.to_string()),
                Ok(transport) => match transport.test_connection().await {
                    Ok(true) => Ok("connected, TLS and login as configured".to_owned()),
                    Ok(false) => Err("the server did not answer as an SMTP server".to_owned()),
                    Err(error) => Err(describe_smtp_error(&error, &smtp_config.host)),
                },
            };
            checks.push(ConfigCheck { what, result });
        }
    }
    checks
}

fn describe_smtp_error(error: &lettre::transport::smtp::Error, host: &str) -> String {
    if let Some(advice) = connect::certificate_advice(error, host) {
        format!("TLS failed: the certificate of {host} is refused: {advice}")
    } else if error.is_tls() {
        format!("TLS failed: {error}")
    } else if error.is_permanent() {
        format!("refused (bad login?): {error}")
    } else {
        format!("cannot talk to the server: {error}")
    }
}

async fn check_imap(config: &crate::config::ImapConfig) -> Vec<ConfigCheck> {
    let what = format!("IMAP {}:{}", config.host, config.port);
    let tls = match connect::tls_config(config.ca_file.as_deref()) {
        Ok(tls) => tls,
        Err(error) => return vec![ConfigCheck { what, result: Err(error.to_string()) }],
    };
    let mut session = match imap::connect(config, tls).await {
        Ok(session) => session,
        Err(error) => return vec![ConfigCheck { what, result: Err(error.to_string()) }],
    };
    let mut checks = vec![ConfigCheck { what, result: Ok(format!("logged in as {}", config.username)) }];
    let inbox = match session.examine(&config.mailbox).await {
        Ok(mailbox) => Ok(format!("{} messages waiting", mailbox.exists)),
        Err(error) => Err(format!("cannot be opened: {error}")),
    };
    checks.push(ConfigCheck { what: format!("mailbox {}", config.mailbox), result: inbox });
    for name in [&config.processed_mailbox, &config.quarantine_mailbox] {
        let listed: Result<Vec<_>, _> = match session.list(None, Some(name)).await {
            Ok(stream) => futures_util::TryStreamExt::try_collect(stream).await,
            Err(error) => Err(error),
        };
        let result = match listed {
            Ok(found) if found.is_empty() => Ok("missing; the daemon will create it".to_owned()),
            Ok(_) => Ok("present".to_owned()),
            Err(error) => Err(error.to_string()),
        };
        checks.push(ConfigCheck { what: format!("mailbox {name}"), result });
    }
    let _ = session.logout().await;
    checks
}
