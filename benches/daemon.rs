//! The daemon through real servers (`scripts/mail-stack`): a backlog of 2,000
//! mails in the robot's INBOX drained (mails/s), then single mails answered
//! with IDLE (time from handing the mail to Postfix until the reply is in the
//! submitter's INBOX: p50, p99), and of that time the daemon's own share, from
//! the daemon's JSON log: from the server's IDLE notice ("IMAP announced new
//! mail") to the server's acceptance of the reply ("reply sent"). Before all
//! that, and before the mail stack starts, `formrobot process` of one form, a
//! whole process each time (p50).
//!
//! `cargo bench --bench daemon` (needs root for the mail stack, as the tests
//! do). Under `cargo test` (no `--bench` argument) it runs 20 mails and 3
//! single ones, to check the code works. `FORMROBOT_BENCH_SMTP_CONNECTIONS`
//! sets `[smtp] connections` (default: the robot's own default), so that
//! one run can set one connection against several. `FORMROBOT_BENCH_BACKLOG`
//! and `FORMROBOT_BENCH_SINGLES` change the two counts (2,000 and 100), so
//! that the single mails can be measured again without the backlog's minutes;
//! `FORMROBOT_BENCH_LOG=PATH` keeps a copy of the daemon's JSON log, and
//! `FORMROBOT_BENCH_BINARY=PATH` runs another build of formrobot (an older
//! commit's, to compare on the same machine).

use formrobot::config::{ImapConfig, Security};
use formrobot::daemon::imap;
use futures_util::TryStreamExt;
use lettre::AsyncTransport;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PORT_BASE: u16 = 27_400;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn imap_config(dir: &Path, user: &str, password: &str) -> ImapConfig {
    ImapConfig {
        host: "127.0.0.1".into(),
        port: PORT_BASE + 1,
        security: Security::Tls,
        ca_file: Some(dir.join("ca.pem")),
        username: user.into(),
        password: Some(password.into()),
        password_env: None,
        mailbox: "INBOX".into(),
        processed_mailbox: "Processed".into(),
        quarantine_mailbox: "Quarantine".into(),
        idle: true,
        poll_seconds: 600,
    }
}

async fn session(dir: &Path, user: &str, password: &str) -> imap::ImapSession {
    let config = imap_config(dir, user, password);
    let tls = formrobot::daemon::connect::tls_config(config.ca_file.as_deref()).expect("TLS");
    imap::connect(&config, tls).await.expect("login")
}

async fn count(dir: &Path, user: &str, password: &str, mailbox: &str) -> u32 {
    let mut session = session(dir, user, password).await;
    let exists = session.examine(mailbox).await.map(|m| m.exists).unwrap_or(0);
    let _ = session.logout().await;
    exists
}

fn form_mail(i: usize) -> String {
    let form = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/forms/ripe-valid-full.txt"))
        .expect("fixture");
    format!("From: submitter@example.org\r\nTo: robot@example.net\r\nSubject: Bench {i}\r\nMessage-ID: <bench-{i}@example.org>\r\n\r\n{}", form.replace('\n', "\r\n"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// p50, p99 and max of `times`, in milliseconds, for printing.
fn spread(times: &mut [Duration]) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(times, 0.5)),
        ms(percentile(times, 0.99)),
        ms(times.last().copied().unwrap_or_default())
    )
}

/// The time of a line of the daemon's JSON log (`"timestamp":"2026-12-01T10:28:40.123456Z"`),
/// in seconds since the epoch.
fn logged_at(line: &str) -> Option<f64> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let stamp = value.get("timestamp")?.as_str()?.strip_suffix('Z')?;
    let (date, time) = stamp.split_once('T')?;
    let mut ymd = date.split('-').map(str::parse::<u32>);
    let day = formrobot_engine::date::Date::new(ymd.next()?.ok()? as i32, ymd.next()?.ok()?, ymd.next()?.ok()?)?;
    let mut hms = time.split(':').map(str::parse::<f64>);
    let seconds = hms.next()?.ok()? * 3600.0 + hms.next()?.ok()? * 60.0 + hms.next()?.ok()?;
    Some(day.days_since_epoch() as f64 * 86_400.0 + seconds)
}

/// The log message of a line of the daemon's JSON log.
fn logged_message(line: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    Some(value.get("fields")?.get("message")?.as_str()?.to_owned())
}

/// The daemon's own share of one single mail, from the lines it logged for it:
/// from the last IDLE notice before "mail processed" to the first "reply sent"
/// after it, and the two parts either side of "mail processed".
struct Share {
    total: Duration,
    to_processed: Duration,
    to_sent: Duration,
}

fn share(lines: &str) -> Option<Share> {
    let events: Vec<(String, f64)> =
        lines.lines().filter_map(|line| Some((logged_message(line)?, logged_at(line)?))).collect();
    let processed = events.iter().position(|(message, _)| message == "mail processed")?;
    let (_, notice) = events[..processed].iter().rev().find(|(message, _)| message.starts_with("IMAP announced"))?;
    let (_, sent) = events[processed..].iter().find(|(message, _)| message == "reply sent")?;
    let at_processed = events[processed].1;
    let span = |from: f64, to: f64| Duration::from_secs_f64((to - from).max(0.0));
    Some(Share {
        total: span(*notice, *sent),
        to_processed: span(*notice, at_processed),
        to_sent: span(at_processed, *sent),
    })
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (backlog, singles) = if measuring {
        (number("FORMROBOT_BENCH_BACKLOG", 2_000), number("FORMROBOT_BENCH_SINGLES", 100))
    } else {
        (20, 3)
    };
    let work = std::env::temp_dir().join(format!("formrobot-bench-daemon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");

    // `formrobot process` of one form, as an MTA would run it: a whole process
    // each time, into one database (each mail its own Message-ID, so none is a duplicate).
    // It needs no server, and is timed before the mail stack starts: Dovecot and
    // Postfix starting up took about 1.4 ms of each run's median (BENCHMARKS.md).
    let process_config = work.join("process.toml");
    std::fs::write(
        &process_config,
        format!("database = \"{}\"\nreplies_per_sender_per_hour = 1000000\n", work.join("process.db").display()),
    )
    .expect("config");
    let mut process_times = Vec::new();
    for i in 0..singles {
        let mail = form_mail(300_000 + i);
        let started = Instant::now();
        run_process(&process_config, &mail);
        process_times.push(started.elapsed());
    }

    let dir = std::env::temp_dir().join("formrobot-bench-daemon-stack");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mail-stack");
    let started = Command::new(&script).args(["start", dir.to_str().expect("UTF-8"), &PORT_BASE.to_string()]).status();
    assert!(started.is_ok_and(|s| s.success()), "the mail stack did not start");
    let rt = runtime();
    let smtp_section = |connections: &str| {
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"starttls\"\nca_file = \"{}\"\nfrom = \"robot@example.net\"\n{connections}",
            PORT_BASE + 3,
            dir.join("ca.pem").display()
        )
    };
    let connections =
        std::env::var("FORMROBOT_BENCH_SMTP_CONNECTIONS").map(|n| format!("connections = {n}\n")).unwrap_or_default();

    // The sender alone: a backlog of replies queued by `replay` (with the same configuration, so that the
    // per-sender limit lets every reply through), then sent by one `process` run.
    let queued_db = work.join("queued.db");
    let mails = work.join("queued-mails");
    std::fs::create_dir_all(&mails).expect("mail dir");
    for i in 0..backlog {
        std::fs::write(mails.join(format!("{i}.eml")), form_mail(100_000 + i)).expect("mail file");
    }
    let queued_config = work.join("queued.toml");
    std::fs::write(
        &queued_config,
        format!(
            "database = \"{}\"\nreplies_per_sender_per_hour = 1000000\n{}",
            queued_db.display(),
            smtp_section(&connections)
        ),
    )
    .expect("config");
    let replayed = Command::new(formrobot())
        .args(["--config", queued_config.to_str().expect("UTF-8"), "replay", "--outbox"])
        .arg(work.join("queued-replies"))
        .arg(&mails)
        .stdout(Stdio::null())
        .status();
    assert!(replayed.is_ok_and(|s| s.success()), "replay queues the replies");
    let sending = Instant::now();
    run_process(&queued_config, &form_mail(200_000));
    let sender_alone = sending.elapsed();
    let sent_alone: usize = rusqlite::Connection::open(&queued_db)
        .and_then(|db| db.query_row("SELECT COUNT(*) FROM outbox WHERE status = 'sent'", [], |row| row.get(0)))
        .expect("outbox count");

    // Fill the robot's INBOX.
    rt.block_on(async {
        let mut robot = session(&dir, "robot@example.net", "robot-secret").await;
        for mailbox in ["INBOX", "Processed"] {
            if robot.select(mailbox).await.is_ok() {
                let _: Vec<_> = robot
                    .store("1:*", "+FLAGS.SILENT (\\Deleted)")
                    .await
                    .expect("store")
                    .try_collect()
                    .await
                    .expect("store");
                let _: Vec<_> = robot.expunge().await.expect("expunge").try_collect().await.expect("expunge");
            }
        }
        for i in 0..backlog {
            robot.append("INBOX", None, None, form_mail(i)).await.expect("append");
        }
        let _ = robot.logout().await;
        let mut submitter = session(&dir, "submitter@example.org", "submitter-secret").await;
        if submitter.select("INBOX").await.is_ok() {
            let _: Vec<_> = submitter
                .store("1:*", "+FLAGS.SILENT (\\Deleted)")
                .await
                .expect("store")
                .try_collect()
                .await
                .expect("store");
            let _: Vec<_> = submitter.expunge().await.expect("expunge").try_collect().await.expect("expunge");
        }
    });

    let config = work.join("robot.toml");
    let database = work.join("bench.db");
    std::fs::write(
        &config,
        format!(
            "database = \"{}\"\nreplies_per_sender_per_hour = 1000000\n[imap]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"tls\"\nca_file = \"{}\"\nusername = \"robot@example.net\"\npassword = \"robot-secret\"\npoll_seconds = 600\n{}",
            database.display(),
            PORT_BASE + 1,
            dir.join("ca.pem").display(),
            smtp_section(&connections)
        ),
    )
    .expect("config");
    let log = work.join("daemon.log");
    let start = Instant::now();
    let started_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs_f64();
    let mut daemon = Command::new(formrobot())
        .args(["--log-format", "json", "--config", config.to_str().expect("UTF-8"), "daemon"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("daemon");
    let mut drained = None;
    let replied = loop {
        std::thread::sleep(Duration::from_millis(200));
        let processed = rt.block_on(count(&dir, "robot@example.net", "robot-secret", "Processed"));
        if drained.is_none() && processed as usize >= backlog {
            drained = Some(start.elapsed());
        }
        let replies = rt.block_on(count(&dir, "submitter@example.org", "submitter-secret", "INBOX"));
        if replies as usize >= backlog {
            break start.elapsed();
        }
        assert!(start.elapsed() < Duration::from_secs(900), "the backlog did not drain");
    };
    let drained = drained.unwrap_or(replied);
    // When the robot's part ended: the server accepted the backlog's last reply (the rest is Postfix and LMTP).
    let backlog_log = std::fs::read_to_string(&log).expect("daemon log");
    let last_accepted = backlog_log
        .lines()
        .filter(|line| logged_message(line).as_deref() == Some("reply sent"))
        .filter_map(logged_at)
        .nth(backlog - 1)
        .map_or(f64::NAN, |at| at - started_at);

    // Single mails, one at a time, each answered before the next is sent. The daemon's log is
    // watched for the reply (a read of a local file every 2 ms), and only then the submitter's
    // INBOX, through one session, for its delivery: polling the INBOX over IMAP every 5 ms from
    // the moment a mail was sent (as this bench did until the eighth session) kept Dovecot busy
    // on the two cores the daemon and the servers share, all through the daemon's share.
    let mut latencies = Vec::new();
    let mut shares = Vec::new();
    let mut watcher = rt.block_on(session(&dir, "submitter@example.org", "submitter-secret"));
    let mut in_inbox =
        |rt: &tokio::runtime::Runtime| rt.block_on(watcher.examine("INBOX")).map(|m| m.exists).unwrap_or(0);
    for i in 0..singles {
        let before = in_inbox(&rt);
        let logged_before = std::fs::metadata(&log).map_or(0, |m| m.len()) as usize;
        let sent = Instant::now();
        rt.block_on(async {
            let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous("127.0.0.1")
                .port(PORT_BASE + 3)
                .build();
            let envelope = lettre::address::Envelope::new(
                Some("submitter@example.org".parse().expect("address")),
                vec!["robot@example.net".parse().expect("address")],
            )
            .expect("envelope");
            transport.send_raw(&envelope, form_mail(backlog + i).as_bytes()).await.expect("Postfix accepts");
        });
        // The times of the share are the daemon's own, logged as it went, not when this loop saw them.
        // Only what was logged since the mail was sent is read: the backlog's lines before it, some
        // 2,000 mails' worth, are too much to read again every 2 ms during the share being measured.
        let logged_share = || {
            let mut logged = Vec::new();
            let mut file = std::fs::File::open(&log).expect("daemon log");
            std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(logged_before as u64)).expect("seek in the log");
            std::io::Read::read_to_end(&mut file, &mut logged).expect("daemon log");
            let lines = String::from_utf8_lossy(&logged).into_owned();
            (share(&lines), lines)
        };
        let mut read = logged_share();
        while read.0.is_none() && sent.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(2));
            read = logged_share();
        }
        let (found, lines) = read;
        shares.push(found.unwrap_or_else(|| panic!("the daemon's log of single mail {i}:\n{lines}")));
        while in_inbox(&rt) <= before {
            assert!(sent.elapsed() < Duration::from_secs(60), "no reply to single mail {i}");
            std::thread::sleep(Duration::from_millis(5));
        }
        latencies.push(sent.elapsed());
    }
    let _ = daemon.kill();
    let _ = daemon.wait();
    if let Some(keep) = std::env::var_os("FORMROBOT_BENCH_LOG") {
        std::fs::copy(&log, keep).expect("a copy of the daemon's log");
    }
    println!("`formrobot process` of one form ({singles} runs, a whole process each): {}", spread(&mut process_times));
    println!(
        "backlog of {backlog} mails: INBOX drained in {:.2} s ({:.0} mails/s); all replies accepted by Postfix after {:.2} s ({:.0} mails/s), delivered after {:.2} s ({:.0} mails/s end to end)",
        drained.as_secs_f64(),
        backlog as f64 / drained.as_secs_f64(),
        last_accepted,
        backlog as f64 / last_accepted,
        replied.as_secs_f64(),
        backlog as f64 / replied.as_secs_f64()
    );
    println!(
        "sender alone: {sent_alone} queued replies accepted by Postfix in {:.2} s ({:.0} replies/s; one `process` run, start-up included)",
        sender_alone.as_secs_f64(),
        sent_alone as f64 / sender_alone.as_secs_f64()
    );
    println!(
        "{singles} single mails with IDLE, handed to Postfix -> reply in the submitter's INBOX: {}",
        spread(&mut latencies)
    );
    println!(
        "  of which the daemon's own share, IDLE notice -> reply accepted by Postfix: {}",
        spread(&mut shares.iter().map(|s| s.total).collect::<Vec<_>>())
    );
    println!(
        "    IDLE notice -> mail processed (fetched, counted, parsed, checked, committed): {}",
        spread(&mut shares.iter().map(|s| s.to_processed).collect::<Vec<_>>())
    );
    println!(
        "    mail processed -> reply accepted (sender woken, claimed, SMTP conversation): {}",
        spread(&mut shares.iter().map(|s| s.to_sent).collect::<Vec<_>>())
    );
    let _ = Command::new(&script).args(["stop", dir.to_str().expect("UTF-8")]).status();
    let _ = std::fs::remove_dir_all(&work);
}

/// The formrobot to run: this build, or the one `FORMROBOT_BENCH_BINARY` names.
fn formrobot() -> std::ffi::OsString {
    std::env::var_os("FORMROBOT_BENCH_BINARY").unwrap_or_else(|| env!("CARGO_BIN_EXE_formrobot").into())
}

/// The number in environment variable `name`, or `default`.
fn number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

/// One `formrobot process` run with `config`, `mail` on its standard input, to its successful end.
fn run_process(config: &Path, mail: &str) {
    let mut process = Command::new(formrobot())
        .args(["--config", config.to_str().expect("UTF-8"), "process"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("process");
    if let Some(mut stdin) = process.stdin.take() {
        std::io::Write::write_all(&mut stdin, mail.as_bytes()).expect("mail to process");
    }
    assert!(process.wait().is_ok_and(|s| s.success()), "process ends well");
}
