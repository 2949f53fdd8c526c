//! The daemon against a real Dovecot and Postfix on loopback (`scripts/mail-stack`).
//!
//! The mail loop is real: a test mails a form through Postfix, it lands in the
//! robot's Dovecot INBOX, the daemon answers through Postfix, and the test
//! reads the reply from the submitter's INBOX. The servers are started once
//! for this test binary; the tests take turns, since they share two mailboxes.

mod common;

use common::Scratch;
use formrobot::config::{ImapConfig, Security};
use formrobot::daemon::imap::{self, ImapSession};
use futures_util::TryStreamExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

const ROBOT: (&str, &str) = ("robot@example.net", "robot-secret");
const SUBMITTER: (&str, &str) = ("submitter@example.org", "submitter-secret");

/// The running mail stack.
struct Stack {
    dir: PathBuf,
    base: u16,
}

impl Stack {
    fn imaps_port(&self) -> u16 {
        self.base + 1
    }
    fn smtp_port(&self) -> u16 {
        self.base + 3
    }
    fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    fn script(&self, command: &str) {
        let status = Command::new(script_path())
            .args([command, self.dir.to_str().expect("UTF-8")])
            .status()
            .expect("mail-stack runs");
        assert!(status.success(), "mail-stack {command} failed");
    }
}

fn script_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mail-stack")
}

fn stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| {
        // scripts/test stops the stack in this directory when the run ends.
        let dir = std::env::temp_dir().join("formrobot-daemon-tests-stack");
        let base = 26_000 + (std::process::id() % 500) as u16 * 4;
        let status = Command::new(script_path())
            .args(["start", dir.to_str().expect("UTF-8"), &base.to_string()])
            .status()
            .expect("mail-stack runs");
        assert!(status.success(), "the mail stack did not start");
        Stack { dir, base }
    })
}

/// One test at a time: they share the robot's and the submitter's mailboxes.
fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn imap_config(user: (&str, &str)) -> ImapConfig {
    let stack = stack();
    ImapConfig {
        host: "127.0.0.1".into(),
        port: stack.imaps_port(),
        security: Security::Tls,
        ca_file: Some(stack.ca()),
        username: user.0.into(),
        password: Some(user.1.into()),
        password_env: None,
        mailbox: "INBOX".into(),
        processed_mailbox: "Processed".into(),
        quarantine_mailbox: "Quarantine".into(),
        idle: true,
        poll_seconds: 30,
    }
}

async fn session(user: (&str, &str)) -> ImapSession {
    let config = imap_config(user);
    let tls = formrobot::daemon::connect::tls_config(config.ca_file.as_deref()).expect("TLS config");
    imap::connect(&config, tls).await.expect("test IMAP login")
}

/// The full messages in `mailbox` of `user` (empty if the mailbox does not exist).
fn messages(user: (&str, &str), mailbox: &str) -> Vec<String> {
    runtime().block_on(async {
        let mut session = session(user).await;
        if session.select(mailbox).await.is_err() {
            return Vec::new();
        }
        let uids = session.uid_search("ALL").await.expect("search");
        if uids.is_empty() {
            return Vec::new();
        }
        let set = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let fetches: Vec<_> =
            session.uid_fetch(&set, "BODY.PEEK[]").await.expect("fetch").try_collect().await.expect("fetch");
        let _ = session.logout().await;
        fetches.iter().filter_map(|f| f.body()).map(|b| String::from_utf8_lossy(b).into_owned()).collect()
    })
}

/// How many messages `mailbox` of `user` holds (0 if it does not exist).
fn count(user: (&str, &str), mailbox: &str) -> usize {
    runtime().block_on(async {
        let mut session = session(user).await;
        let exists = session.examine(mailbox).await.map_or(0, |m| m.exists as usize);
        let _ = session.logout().await;
        exists
    })
}

/// The `In-Reply-To` of every reply in the submitter's INBOX.
fn answered() -> Vec<String> {
    messages(SUBMITTER, "INBOX")
        .iter()
        .filter_map(|r| r.lines().find_map(|l| l.strip_prefix("In-Reply-To: ")).map(str::to_owned))
        .collect()
}

/// Empties the test mailboxes.
fn clear_all() {
    runtime().block_on(async {
        for (user, boxes) in [(ROBOT, &["INBOX", "Processed", "Quarantine"][..]), (SUBMITTER, &["INBOX"][..])] {
            let mut session = session(user).await;
            for mailbox in boxes {
                if session.select(mailbox).await.is_ok() {
                    let _: Vec<_> = session
                        .store("1:*", "+FLAGS.SILENT (\\Deleted)")
                        .await
                        .expect("store")
                        .try_collect()
                        .await
                        .expect("store");
                    let _: Vec<_> = session.expunge().await.expect("expunge").try_collect().await.expect("expunge");
                }
            }
            let _ = session.logout().await;
        }
    });
}

/// Puts mails straight into the robot's INBOX (as a delivery would).
fn append_to_robot(mails: &[String]) {
    runtime().block_on(async {
        let mut session = session(ROBOT).await;
        for mail in mails {
            session.append("INBOX", None, None, mail.replace('\n', "\r\n")).await.expect("append");
        }
        let _ = session.logout().await;
    });
}

/// Sends a mail through Postfix.
fn send(from: &str, to: &str, mail: &str) {
    use lettre::AsyncTransport;
    // An empty `from` is the null sender of bounces.
    let sender = (!from.is_empty()).then(|| from.parse().expect("address"));
    let envelope = lettre::address::Envelope::new(sender, vec![to.parse().expect("address")]).expect("envelope");
    let bytes = mail.replace('\n', "\r\n");
    // The transport lives and dies inside the runtime: its connection pool spawns tasks.
    runtime()
        .block_on(async {
            let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous("127.0.0.1")
                .port(stack().smtp_port())
                .build();
            transport.send_raw(&envelope, bytes.as_bytes()).await
        })
        .expect("Postfix accepts the test mail");
}

fn wait_until(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn form() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/forms/ripe-valid-full.txt"))
        .expect("fixture")
}

fn broken_form() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/forms/ripe-auto-undefined.txt"))
        .expect("fixture")
}

fn mail(id: &str, subject: &str, body: &str, extra_headers: &str) -> String {
    format!(
        "From: Sam Submitter <submitter@example.org>\nTo: robot@example.net\nSubject: {subject}\nMessage-ID: <{id}@example.org>\n{extra_headers}\n{body}"
    )
}

/// A daemon process with its own configuration and database.
struct Daemon {
    child: Child,
    scratch_config: PathBuf,
    log: PathBuf,
}

impl Daemon {
    fn config(scratch: &Scratch, poll_seconds: u64, idle: bool) -> PathBuf {
        let stack = stack();
        let path = scratch.path("robot.toml");
        std::fs::write(
            &path,
            format!(
                r#"database = "{db}"
replies_per_sender_per_hour = 100000
[imap]
host = "127.0.0.1"
port = {imaps}
security = "tls"
ca_file = "{ca}"
username = "robot@example.net"
password_env = "FORMROBOT_TEST_IMAP_PASSWORD"
idle = {idle}
poll_seconds = {poll_seconds}
[smtp]
host = "127.0.0.1"
port = {smtp}
security = "starttls"
ca_file = "{ca}"
from = "robot@example.net"
"#,
                db = scratch.db().display(),
                imaps = stack.imaps_port(),
                smtp = stack.smtp_port(),
                ca = stack.ca().display(),
            ),
        )
        .expect("config written");
        path
    }

    fn start(config: &Path, log: PathBuf) -> Daemon {
        let daemon = Daemon::launch(config, log, &[]);
        wait_until(Duration::from_secs(20), "the daemon to log in", || daemon.log_text().contains("IMAP connected"));
        daemon
    }

    /// Starts the daemon with `env` added, without waiting for it to log in.
    fn launch(config: &Path, log: PathBuf, env: &[(&str, &str)]) -> Daemon {
        let stderr = std::fs::OpenOptions::new().create(true).append(true).open(&log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_formrobot"))
            .args(["--log-format", "json", "--config", config.to_str().expect("UTF-8"), "daemon"])
            .env("FORMROBOT_TEST_IMAP_PASSWORD", ROBOT.1)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("the daemon starts");
        Daemon { child, scratch_config: config.to_path_buf(), log }
    }

    /// The exit status, if the daemon has ended within `limit`.
    fn exited_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if start.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn signal(&mut self, signal: &str) {
        let _ = Command::new("kill").args([signal, &self.child.id().to_string()]).status();
    }

    /// SIGTERM, and the exit status it ends with.
    fn stop(mut self) -> std::process::ExitStatus {
        self.signal("-TERM");
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "the daemon did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(mut self) {
        self.signal("-KILL");
        let _ = self.child.wait();
    }

    fn restart(self) -> Daemon {
        let (config, log) = (self.scratch_config.clone(), self.log.clone());
        self.kill();
        Daemon::start(&config, log)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn subjects(mails: &[String]) -> Vec<String> {
    let mut subjects: Vec<String> =
        mails.iter().filter_map(|m| m.lines().find_map(|l| l.strip_prefix("Subject: ")).map(str::to_owned)).collect();
    subjects.sort();
    subjects
}

#[test]
fn replies_come_back_for_forms_and_never_for_robots() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-replies");
    let daemon = Daemon::start(&Daemon::config(&scratch, 30, true), scratch.path("daemon.log"));

    send("submitter@example.org", "robot@example.net", &mail("ok1", "AS please", &form(), ""));
    send("submitter@example.org", "robot@example.net", &mail("bad1", "AS again", &broken_form(), ""));
    send(
        "",
        "robot@example.net",
        &mail("bounce1", "Undelivered Mail", "It bounced.\n", "Auto-Submitted: auto-replied\n")
            .replace("Sam Submitter <submitter@example.org>", "MAILER-DAEMON@example.org"),
    );
    send(
        "submitter@example.org",
        "robot@example.net",
        &mail("away1", "Out of office", "I am away.\n", "Auto-Submitted: auto-replied\n"),
    );

    wait_until(Duration::from_secs(20), "four mails processed", || messages(ROBOT, "Processed").len() == 4);
    wait_until(Duration::from_secs(20), "two replies", || messages(SUBMITTER, "INBOX").len() >= 2);
    std::thread::sleep(Duration::from_secs(2));
    let replies = messages(SUBMITTER, "INBOX");
    let subjects = subjects(&replies);
    assert_eq!(subjects.len(), 2, "exactly two replies, none to the bounce or the auto-reply: {subjects:?}");
    assert!(subjects[0].starts_with("Re: AS again [FR-") && subjects[0].ends_with("] REJECTED"), "{subjects:?}");
    assert!(subjects[1].starts_with("Re: AS please [FR-") && subjects[1].ends_with("] ACCEPTED"), "{subjects:?}");
    assert!(replies.iter().all(|r| r.contains("Auto-Submitted: auto-replied")));
    assert!(messages(ROBOT, "INBOX").is_empty(), "everything left the inbox");

    let status = daemon.stop();
    assert!(status.success(), "SIGTERM ends the daemon cleanly: {status:?}");
}

#[test]
fn idle_wakes_the_daemon_at_once() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-idle");
    // Polling every 10 minutes: only IDLE can explain a quick answer.
    let daemon = Daemon::start(&Daemon::config(&scratch, 600, true), scratch.path("daemon.log"));
    std::thread::sleep(Duration::from_millis(500));
    let sent = Instant::now();
    send("submitter@example.org", "robot@example.net", &mail("idle1", "AS quickly", &form(), ""));
    wait_until(Duration::from_secs(10), "the reply", || !messages(SUBMITTER, "INBOX").is_empty());
    let took = sent.elapsed();
    assert!(took < Duration::from_secs(5), "the reply took {took:?}: IDLE did not wake the daemon");
    drop(daemon);
}

#[test]
fn the_daemon_reconnects_after_dovecot_restarts() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-dovecot");
    let daemon = Daemon::start(&Daemon::config(&scratch, 2, true), scratch.path("daemon.log"));
    stack().script("stop-dovecot");
    std::thread::sleep(Duration::from_secs(1));
    stack().script("start-dovecot");
    send("submitter@example.org", "robot@example.net", &mail("dovecot1", "After restart", &form(), ""));
    wait_until(Duration::from_secs(40), "the reply after the restart", || !messages(SUBMITTER, "INBOX").is_empty());
    let log = daemon.log_text();
    assert!(log.contains("IMAP connection lost"), "the loss was noticed and logged:\n{log}");
    drop(daemon);
}

#[test]
fn replies_wait_while_postfix_is_down_then_go() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-postfix");
    let daemon = Daemon::start(&Daemon::config(&scratch, 2, true), scratch.path("daemon.log"));
    stack().script("stop-postfix");
    append_to_robot(&[mail("postfix1", "While SMTP is down", &form(), "")]);
    wait_until(Duration::from_secs(20), "the mail processed", || messages(ROBOT, "Processed").len() == 1);
    wait_until(Duration::from_secs(20), "a deferred reply", || daemon.log_text().contains("reply deferred"));
    stack().script("start-postfix");
    wait_until(Duration::from_secs(60), "the waiting reply", || messages(SUBMITTER, "INBOX").len() == 1);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(messages(SUBMITTER, "INBOX").len(), 1, "sent once");
    drop(daemon);
}

#[test]
fn sigkill_mid_batch_loses_nothing_and_answers_nothing_twice() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-sigkill");
    let count = 200;
    let mails: Vec<String> =
        (0..count).map(|i| mail(&format!("kill{i}"), &format!("Batch {i}"), &form(), "")).collect();
    append_to_robot(&mails);
    let daemon = Daemon::start(&Daemon::config(&scratch, 2, true), scratch.path("daemon.log"));
    wait_until(Duration::from_secs(60), "part of the batch", || messages(ROBOT, "Processed").len() >= 40);
    let daemon = daemon.restart();
    wait_until(Duration::from_secs(120), "the whole batch processed", || messages(ROBOT, "Processed").len() == count);
    wait_until(Duration::from_secs(120), "every reply", || messages(SUBMITTER, "INBOX").len() >= count);
    std::thread::sleep(Duration::from_secs(3));
    let answered: Vec<String> = messages(SUBMITTER, "INBOX")
        .iter()
        .filter_map(|r| r.lines().find_map(|l| l.strip_prefix("In-Reply-To: <kill")).map(str::to_owned))
        .collect();
    let mut distinct = answered.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), count, "every mail answered");
    assert_eq!(answered.len(), count, "none answered twice");
    assert!(messages(ROBOT, "INBOX").is_empty());
    drop(daemon);
}

#[test]
fn process_sends_through_smtp_when_configured() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-process");
    let config = Daemon::config(&scratch, 30, true);
    let output = common::formrobot(
        &["--config", config.to_str().expect("UTF-8"), "process"],
        Some(mail("pipe1", "Piped by the MTA", &form(), "").as_bytes()),
    );
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    wait_until(Duration::from_secs(20), "the reply", || messages(SUBMITTER, "INBOX").len() == 1);
    assert!(subjects(&messages(SUBMITTER, "INBOX"))[0].contains("] ACCEPTED"));
}

#[test]
fn check_config_says_what_is_wrong() {
    let _turn = turn();
    let scratch = Scratch::new("daemon-check-config");
    let good = Daemon::config(&scratch, 30, true);
    let text = std::fs::read_to_string(&good).expect("config");
    let run = |name: &str, config: String| {
        let path = scratch.path(name);
        std::fs::write(&path, config).expect("config written");
        let output = Command::new(env!("CARGO_BIN_EXE_formrobot"))
            .args(["--config", path.to_str().expect("UTF-8"), "check-config"])
            .env("FORMROBOT_TEST_IMAP_PASSWORD", ROBOT.1)
            .output()
            .expect("runs");
        (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let imaps = format!("port = {}", stack().imaps_port());

    let (code, report) = run("good.toml", text.clone());
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("ok    IMAP") && report.contains("ok    mailbox INBOX") && report.contains("ok    SMTP"),
        "{report}"
    );

    let starttls = text.replacen(&imaps, &format!("port = {}", stack().base), 1).replacen(
        "security = \"tls\"",
        "security = \"starttls\"",
        1,
    );
    let (code, report) = run("starttls.toml", starttls);
    assert_eq!(code, Some(0), "STARTTLS works too: {report}");

    let plain = text.replacen(&imaps, &format!("port = {}", stack().base), 1).replacen(
        "security = \"tls\"",
        "security = \"none\"",
        1,
    );
    let (code, report) = run("plain.toml", plain);
    assert_eq!(code, Some(0), "so does a plain connection on loopback: {report}");

    let (code, report) = run("no-ca.toml", text.replace(&format!("ca_file = \"{}\"\n", stack().ca().display()), ""));
    assert_eq!(code, Some(1));
    assert!(
        report.contains("FAIL  IMAP") && report.contains("TLS failed"),
        "an untrusted certificate is named: {report}"
    );

    let (code, report) = run("unreachable.toml", text.replacen(&imaps, "port = 1", 1));
    assert_eq!(code, Some(1));
    assert!(report.contains("cannot reach 127.0.0.1:1"), "{report}");

    let (code, report) = run("missing-mailbox.toml", text.replace("[smtp]", "mailbox = \"NoSuchBox\"\n[smtp]"));
    assert_eq!(code, Some(1));
    assert!(report.contains("FAIL  mailbox NoSuchBox"), "{report}");

    let output = Command::new(env!("CARGO_BIN_EXE_formrobot"))
        .args(["--config", good.to_str().expect("UTF-8"), "check-config"])
        .env("FORMROBOT_TEST_IMAP_PASSWORD", "wrong")
        .output()
        .expect("runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1));
    assert!(report.contains("login refused"), "a bad password is named: {report}");
}

#[test]
fn a_mail_that_keeps_failing_goes_to_quarantine_and_the_rest_goes_on() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-quarantine");
    let config = Daemon::config(&scratch, 2, true);
    {
        // A real SQLite failure, for one mail only: recording it always aborts.
        drop(formrobot_store::Store::open(&scratch.db()).expect("schema"));
        let connection = rusqlite::Connection::open(scratch.db()).expect("opens");
        connection
            .execute_batch(
                "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.message_id = '<poison@example.org>'
                 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
            )
            .expect("trigger");
    }
    append_to_robot(&[mail("poison", "Always fails", &form(), ""), mail("healthy", "Goes through", &form(), "")]);
    let daemon = Daemon::start(&config, scratch.path("daemon.log"));
    wait_until(Duration::from_secs(20), "the healthy mail answered", || messages(SUBMITTER, "INBOX").len() == 1);
    // Tries at 0, 2, 6, 14 and 30 s: the fifth failure quarantines it.
    wait_until(Duration::from_secs(90), "the poison mail quarantined", || messages(ROBOT, "Quarantine").len() == 1);
    assert!(messages(ROBOT, "INBOX").is_empty());
    assert_eq!(messages(ROBOT, "Processed").len(), 1);
    let log = common::formrobot(&["--db", scratch.db().to_str().expect("UTF-8"), "log"], None);
    let text = String::from_utf8_lossy(&log.stdout);
    assert!(text.contains("quarantined: UID") && text.contains("failed 5 times"), "{text}");
    drop(daemon);
}

#[test]
fn a_permanent_refusal_is_recorded_on_the_ticket() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-refused");
    // The mail stack's Postfix answers 5xx for this one recipient.
    let refused = mail("refused1", "Please reply", &form(), "")
        .replace("From: Sam Submitter <submitter@example.org>", "From: refused@example.org");
    append_to_robot(&[refused]);
    let daemon = Daemon::start(&Daemon::config(&scratch, 2, true), scratch.path("daemon.log"));
    wait_until(Duration::from_secs(20), "the refusal", || daemon.log_text().contains("reply refused"));
    let log = common::formrobot(&["--db", scratch.db().to_str().expect("UTF-8"), "log", "--json"], None);
    let refusal = String::from_utf8_lossy(&log.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["kind"] == "reply-refused")
        .expect("a reply-refused event");
    assert!(refusal["ticket"].as_str().is_some_and(|t| t.starts_with("FR-")), "recorded on the ticket: {refusal}");
    assert_eq!(refusal["level"], "error");
    drop(daemon);
}

/// Set for the debug builds that tests run: the intake aborts (or panics) on a mail containing the text.
const FAULT: &str = "FORMROBOT_TEST_FAULT";

#[test]
fn a_mail_that_kills_the_robot_goes_to_quarantine_after_restarts_and_the_rest_goes_on() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-crash");
    let config = Daemon::config(&scratch, 2, true);
    // All three arrive together, so that the intake records them in one group: the one that kills
    // the robot takes the group down once; then each is tried alone, and only it keeps failing.
    append_to_robot(&[
        mail("before", "Before it", &form(), ""),
        mail("crash", "Kills the robot", &form(), ""),
        mail("behind", "Behind it", &form(), ""),
    ]);
    let log = scratch.path("daemon.log");
    let mut deaths = 0;
    let mut survivor = None;
    // As systemd would: start it again whenever it dies.
    for _ in 0..8 {
        let mut daemon = Daemon::launch(&config, log.clone(), &[(FAULT, "abort:<crash@example.org>")]);
        let start = Instant::now();
        loop {
            if let Some(status) = daemon.exited_within(Duration::from_millis(200)) {
                assert!(!status.success(), "the injected fault ends the process: {status:?}");
                deaths += 1;
                break;
            }
            if count(ROBOT, "Quarantine") == 1 {
                survivor = Some(daemon);
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "the daemon neither died nor quarantined");
        }
        if survivor.is_some() {
            break;
        }
    }
    let Some(daemon) = survivor else { panic!("the mail killed the robot at each of {deaths} starts") };
    assert_eq!(deaths, 5, "it was tried five times");
    // A reply that the sender had claimed when the robot died waits for its claim to run out
    // (CLAIM_SECONDS): another sender, a `process` run, might still be at work on it.
    let claim = Duration::from_secs(formrobot_store::outbox::CLAIM_SECONDS.unsigned_abs());
    wait_until(claim + Duration::from_secs(20), "the mails around it answered", || count(SUBMITTER, "INBOX") == 2);
    let mut replies = answered();
    replies.sort();
    assert_eq!(replies, ["<before@example.org>", "<behind@example.org>"], "each answered once");
    assert_eq!(count(ROBOT, "Processed"), 2);
    assert_eq!(count(ROBOT, "INBOX"), 0);
    let events = common::formrobot(&["--db", scratch.db().to_str().expect("UTF-8"), "log"], None);
    let text = String::from_utf8_lossy(&events.stdout);
    assert!(text.contains("quarantined: UID") && text.contains("tried 5 times"), "{text}");
    drop(daemon);
}

#[test]
fn mail_that_arrives_during_a_drain_is_answered_within_seconds() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-during-drain");
    let backlog = 150;
    let late = 5;
    let mails: Vec<String> =
        (0..backlog).map(|i| mail(&format!("backlog{i}"), &format!("Backlog {i}"), &form(), "")).collect();
    append_to_robot(&mails);
    // Polling every 10 minutes: only the drain itself can notice the mail that came while it worked.
    let daemon = Daemon::start(&Daemon::config(&scratch, 600, true), scratch.path("daemon.log"));
    wait_until(Duration::from_secs(20), "the drain to start", || daemon.log_text().contains("mail processed"));
    for i in 0..late {
        send("submitter@example.org", "robot@example.net", &mail(&format!("late{i}"), "Late", &form(), ""));
    }
    let sent = Instant::now();
    wait_until(Duration::from_secs(60), "every mail processed", || count(ROBOT, "Processed") == backlog + late);
    assert!(sent.elapsed() < Duration::from_secs(30), "took {:?}", sent.elapsed());
    wait_until(Duration::from_secs(60), "every reply", || count(SUBMITTER, "INBOX") == backlog + late);
    drop(daemon);
}

#[test]
fn concurrent_process_runs_send_each_reply_exactly_once() {
    use std::io::Write;
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-concurrent-process");
    let config = Daemon::config(&scratch, 30, true);
    drop(formrobot_store::Store::open(&scratch.db()).expect("schema"));
    let runs = 10;
    let mut children = Vec::new();
    for i in 0..runs {
        let mut child = Command::new(env!("CARGO_BIN_EXE_formrobot"))
            .args(["--config", config.to_str().expect("UTF-8"), "process"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("process runs");
        let text = mail(&format!("concurrent{i}"), &format!("Concurrent {i}"), &form(), "");
        child.stdin.take().expect("piped").write_all(text.as_bytes()).expect("written");
        children.push(child);
    }
    for child in children {
        let output = child.wait_with_output().expect("finishes");
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    }
    wait_until(Duration::from_secs(30), "every reply", || count(SUBMITTER, "INBOX") >= runs);
    std::thread::sleep(Duration::from_secs(3));
    let mut replies = answered();
    replies.sort();
    let expected: Vec<String> = {
        let mut ids: Vec<String> = (0..runs).map(|i| format!("<concurrent{i}@example.org>")).collect();
        ids.sort();
        ids
    };
    assert_eq!(replies, expected, "each reply delivered exactly once");
    let connection = rusqlite::Connection::open(scratch.db()).expect("opens");
    let sent: i64 = connection
        .query_row("SELECT COUNT(*) FROM events WHERE kind = 'reply-sent'", [], |row| row.get(0))
        .expect("counts");
    assert_eq!(sent, runs as i64, "each reply recorded as sent once");
}

#[test]
fn a_dead_intake_ends_the_daemon_with_a_failure() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-dead-task");
    append_to_robot(&[mail("panics", "Panics the intake", &form(), "")]);
    let mut daemon = Daemon::launch(
        &Daemon::config(&scratch, 2, true),
        scratch.path("daemon.log"),
        &[(FAULT, "panic:<panics@example.org>")],
    );
    let status = daemon.exited_within(Duration::from_secs(20));
    let log = daemon.log_text();
    let status = status.unwrap_or_else(|| panic!("the daemon lives on without its intake:\n{log}"));
    assert!(!status.success(), "{status:?}");
    assert!(log.contains("intake"), "the log says which part died:\n{log}");
}

#[test]
fn a_busy_database_stalls_neither_signals_nor_the_sender() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-busy-db");
    let mut daemon = Daemon::start(&Daemon::config(&scratch, 2, true), scratch.path("daemon.log"));
    // Another writer holds the database while a mail arrives: recording it waits.
    let connection = rusqlite::Connection::open(scratch.db()).expect("opens");
    connection.execute_batch("BEGIN IMMEDIATE").expect("locked");
    append_to_robot(&[mail("busy", "While the database is busy", &form(), "")]);
    std::thread::sleep(Duration::from_secs(2));
    daemon.signal("-TERM");
    let asked = Instant::now();
    wait_until(Duration::from_secs(5), "the signal noticed", || daemon.log_text().contains("shutting down"));
    let noticed = asked.elapsed();
    connection.execute_batch("COMMIT").expect("unlocked");
    let status = daemon.exited_within(Duration::from_secs(30)).expect("the daemon stops");
    assert!(noticed < Duration::from_secs(2), "the signal waited {noticed:?} for the database");
    assert!(status.success(), "{status:?}");
    assert_eq!(count(ROBOT, "Processed"), 1, "the mail in hand was finished");
}

#[test]
fn a_whole_life_by_mail_from_request_to_approval() {
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-life");
    let config = Daemon::config(&scratch, 30, true);
    let daemon = Daemon::start(&config, scratch.path("daemon.log"));
    let operator = |args: &[&str]| {
        let mut all = vec!["--config", config.to_str().expect("UTF-8"), "--operator", "hostmaster"];
        all.extend(args);
        let output = common::formrobot(&all, None);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap_or_default()
    };
    let header = |mail: &str, name: &str| {
        mail.lines().find_map(|l| l.strip_prefix(name)).map(str::to_owned).expect("the header is there")
    };

    send("submitter@example.org", "robot@example.net", &mail("life1", "AS please", &form(), ""));
    wait_until(Duration::from_secs(20), "the acknowledgement", || messages(SUBMITTER, "INBOX").len() == 1);
    let acknowledgement = messages(SUBMITTER, "INBOX").remove(0);
    let subject = header(&acknowledgement, "Subject: ");
    assert!(subject.ends_with("] ACCEPTED"), "{subject}");
    let ticket = subject[subject.find("[FR-").expect("a tag") + 1..subject.find("] ").expect("a tag")].to_owned();

    // A letter on the ticket, answering the acknowledgement: recorded, not answered.
    let letter = mail(
        "life2",
        &format!("Re: {subject}"),
        "The contract follows by post.\n",
        &format!("In-Reply-To: {}\n", header(&acknowledgement, "Message-ID: ")),
    );
    send("submitter@example.org", "robot@example.net", &letter);
    wait_until(Duration::from_secs(20), "the letter processed", || messages(ROBOT, "Processed").len() == 2);

    // The hostmaster asks; the question goes out by mail; the answer to it comes back to the ticket.
    let asked = operator(&["ask", &ticket, "--message", "Which upstream goes live first?", "--json"]);
    assert_eq!(asked["state"], "waiting-for-requester");
    wait_until(Duration::from_secs(20), "the question", || messages(SUBMITTER, "INBOX").len() == 2);
    let question =
        messages(SUBMITTER, "INBOX").into_iter().find(|m| m.contains("Which upstream")).expect("the question");
    let answer = mail(
        "life3",
        "Re: your question",
        "AS64497, next week.\n",
        &format!("In-Reply-To: {}\n", header(&question, "Message-ID: ")),
    );
    send("submitter@example.org", "robot@example.net", &answer);
    wait_until(Duration::from_secs(20), "the answer processed", || messages(ROBOT, "Processed").len() == 3);
    let shown = operator(&["show", &ticket, "--json"]);
    assert_eq!(shown["state"], "pending-review", "{shown}");

    let approved = operator(&["approve", &ticket, "--json"]);
    assert_eq!(approved["asns"], serde_json::json!(["AS64496"]));
    wait_until(Duration::from_secs(20), "the final mail", || messages(SUBMITTER, "INBOX").len() == 3);
    let last = messages(SUBMITTER, "INBOX").into_iter().find(|m| m.contains("APPROVED")).expect("the final mail");
    assert!(header(&last, "Subject: ").contains(&format!("[{ticket}] APPROVED")), "{last}");
    assert_eq!(header(&last, "In-Reply-To: "), "<life3@example.org>", "threaded under the answer");
    assert!(last.contains("aut-num:        AS64496"), "{last}");

    let shown = operator(&["show", &ticket, "--json"]);
    assert_eq!(shown["state"], "approved");
    let directions: Vec<&str> =
        shown["mails"].as_array().expect("mails").iter().filter_map(|m| m["direction"].as_str()).collect();
    assert_eq!(directions, ["in", "out", "in", "out", "in", "out"]);
    assert_eq!(messages(SUBMITTER, "INBOX").len(), 3, "the letter and the answer got no robot reply");
    assert!(daemon.stop().success());
}

/// `formrobot serve` with `[smtp]`: a request made through the API is
/// acknowledged by mail to its contact and its additional address, through
/// the real Postfix, and the hostmaster's approval reaches both.
#[test]
fn serve_mails_api_requests_to_the_contact_and_every_additional_address() {
    use std::io::{BufRead, BufReader, Read, Write};
    let _turn = turn();
    clear_all();
    let scratch = Scratch::new("daemon-serve");
    let config = Daemon::config(&scratch, 30, true);
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("[http]\nlisten = \"127.0.0.1:0\"\n");
    std::fs::write(&config, text).expect("config");
    let config_arg = config.to_str().expect("UTF-8");
    let made = common::formrobot(&["--config", config_arg, "api-key", "create", "lir"], None);
    assert_eq!(made.status.code(), Some(0), "{}", String::from_utf8_lossy(&made.stderr));
    let key = String::from_utf8_lossy(&made.stdout).trim().to_owned();

    let mut serve = Command::new(env!("CARGO_BIN_EXE_formrobot"))
        .args(["--config", config_arg, "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut line = String::new();
    BufReader::new(serve.stdout.take().expect("stdout")).read_line(&mut line).expect("reads");
    let address = line.trim().strip_prefix("listening on ").expect("an address").to_owned();

    let body = serde_json::json!({
        "requestType": "AsnAssignment", "contactPreferred": true,
        "contactPersonName": "Sam Submitter", "contactPersonEmail": SUBMITTER.0,
        "additionalEmailDetail": ROBOT.0,
        "requestContent": {
            "asnName": "SUBMITTER-AS", "adminc": "SS1-RIPE", "techc": "SS1-RIPE", "mntBy": "SUB-MNT",
            "mntRoutes": "SUB-MNT", "country": "NL", "currentAsns": [],
            "peeringPartners": [
                {"asn": "AS64500", "email": "a@example.net", "import": "from AS64500 accept ANY", "export": "to AS64500 announce ASNEW"},
                {"asn": "AS64501", "email": "b@example.net", "import": "from AS64501 accept ANY", "export": "to AS64501 announce ASNEW"}
            ],
            "addressPrefix": "24", "onBehalfOfCustomer": false, "attachments": []
        }
    })
    .to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("connects");
    write!(
        stream,
        "POST /api/external/v1/request/asn/assignment HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nncc-api-authorization: {key}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("writes");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("reads");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let ticket = answer.split('"').skip_while(|part| *part != "ticket").nth(2).expect("a ticket").to_owned();

    wait_until(Duration::from_secs(20), "the acknowledgement to both", || {
        count(SUBMITTER, "INBOX") == 1 && count(ROBOT, "INBOX") == 1
    });
    for user in [SUBMITTER, ROBOT] {
        let subject = subjects(&messages(user, "INBOX")).remove(0);
        assert!(subject.contains(&format!("[{ticket}] ACCEPTED")), "{subject}");
    }
    let _ = serve.kill();
    let _ = serve.wait();

    // The hostmaster approves from the command line; the decision goes to both addresses.
    let approved = common::formrobot(&["--config", config_arg, "--operator", "hm", "approve", &ticket], None);
    assert_eq!(approved.status.code(), Some(0), "{}", String::from_utf8_lossy(&approved.stderr));
    wait_until(Duration::from_secs(20), "the approval to both", || {
        count(SUBMITTER, "INBOX") == 2 && count(ROBOT, "INBOX") == 2
    });
    let approval = messages(SUBMITTER, "INBOX").into_iter().find(|m| m.contains("APPROVED")).expect("the approval");
    assert!(approval.contains("aut-num:        AS64496"), "{approval}");
}
