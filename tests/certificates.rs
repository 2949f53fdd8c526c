//! A mail server whose certificate TLS refuses (issue 10): the operator is
//! told what is wrong and how to fix it, by `check-config` and in the
//! daemon's log, and the daemon does not hammer the server meanwhile.
//! The server is a real TLS listener (`openssl s_server`) with certificates
//! made by `openssl req -x509`, as an operator would make them.

mod common;

use common::Scratch;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_formrobot");

/// `openssl s_server` on a free loopback port, stopped when dropped.
struct TlsListener {
    child: Child,
    port: u16,
}

impl TlsListener {
    fn start(certificate: &Path, key: &Path) -> TlsListener {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-accept", &format!("127.0.0.1:{port}"), "-cert"])
            .arg(certificate)
            .arg("-key")
            .arg(key)
            // Its standard input stays open, or it would stop.
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl runs");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "openssl s_server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        TlsListener { child, port }
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate for 127.0.0.1 made by `openssl req -x509` with `extra` arguments.
fn certificate(dir: &Path, name: &str, extra: &[&str]) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join(format!("{name}.pem")), dir.join(format!("{name}-key.pem")));
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(extra)
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl req -x509 failed");
    (cert, key)
}

fn config(scratch: &Scratch, port: u16, ca_file: &Path) -> std::path::PathBuf {
    let path = scratch.path("robot.toml");
    std::fs::write(
        &path,
        format!(
            "database = \"{db}\"\n[imap]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"tls\"\nca_file = \"{ca}\"\n\
             username = \"robot@example.net\"\npassword = \"secret\"\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\n\
             security = \"tls\"\nca_file = \"{ca}\"\nfrom = \"robot@example.net\"\n",
            db = scratch.db().display(),
            ca = ca_file.display()
        ),
    )
    .expect("config");
    path
}

const ADVICE: &str = "presents a CA certificate (basicConstraints CA:TRUE, what `openssl req -x509` makes by default)";

#[test]
fn a_ca_certificate_used_by_the_server_is_explained_by_check_config_and_the_daemon() {
    let scratch = Scratch::new("ca-as-server");
    // What `openssl req -x509` makes by default: CA:TRUE.
    let (cert, key) = certificate(&scratch.path(""), "ca", &[]);
    let server = TlsListener::start(&cert, &key);
    let config = config(&scratch, server.port, &cert);

    let checked = Command::new(BINARY).arg("--config").arg(&config).arg("check-config").output().expect("runs");
    let said = String::from_utf8_lossy(&checked.stdout);
    assert!(!checked.status.success(), "{said}");
    for what in ["IMAP", "SMTP"] {
        let line = said
            .lines()
            .find(|line| line.contains(&format!("{what} 127.0.0.1:{}", server.port)))
            .unwrap_or_else(|| panic!("no {what} line: {said}"));
        assert!(line.starts_with("FAIL") && line.contains(ADVICE), "{line}");
        assert!(line.contains("basicConstraints=critical,CA:FALSE -addext subjectAltName=IP:127.0.0.1"), "{line}");
        assert!(!line.contains("CaUsedAsEndEntity"), "in an operator's words: {line}");
    }

    let log = scratch.path("daemon.log");
    let mut daemon = Command::new(BINARY)
        .arg("--config")
        .arg(&config)
        .arg("daemon")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("the daemon runs");
    let started = Instant::now();
    while !std::fs::read_to_string(&log).unwrap_or_default().contains(ADVICE) {
        assert!(started.elapsed() < Duration::from_secs(20), "no advice in the log");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Long enough for a few quick retries, had the daemon made them.
    std::thread::sleep(Duration::from_secs(4));
    let _ = Command::new("kill").args(["-TERM", &daemon.id().to_string()]).status();
    let status = daemon.wait().expect("the daemon stops");
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(status.success(), "SIGTERM ends the daemon cleanly while it waits: {text}");
    assert_eq!(text.matches(ADVICE).count(), 1, "one try, then a long wait, not a retry every second:\n{text}");
    assert!(text.contains("ERROR"), "said as an error: {text}");
}

/// The TLS handshake the daemon makes with 127.0.0.1:`port`, trusting `ca_file`.
fn handshake(port: u16, ca_file: &Path) -> Result<(), formrobot::daemon::DaemonError> {
    use formrobot::daemon::connect;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let tls = connect::tls_config(Some(ca_file))?;
        let tcp = connect::tcp("127.0.0.1", port).await?;
        connect::start_tls(tcp, "127.0.0.1", tls).await.map(drop)
    })
}

#[test]
fn a_self_signed_server_certificate_made_as_advised_passes_tls() {
    let scratch = Scratch::new("leaf-certificate");
    let (ca, ca_key) = certificate(&scratch.path(""), "ca", &[]);
    let refused = TlsListener::start(&ca, &ca_key);
    match handshake(refused.port, &ca) {
        Err(formrobot::daemon::DaemonError::Certificate { advice, .. }) => assert!(advice.contains(ADVICE), "{advice}"),
        other => panic!("a CA:TRUE certificate must be refused with advice: {other:?}"),
    }
    let (leaf, leaf_key) = certificate(&scratch.path(""), "leaf", &["-addext", "basicConstraints=critical,CA:FALSE"]);
    let accepted = TlsListener::start(&leaf, &leaf_key);
    handshake(accepted.port, &leaf).expect("the certificate made as the advice says passes");
}
