//! `formrobot serve` on a loopback port for the tests that speak HTTP to it
//! (the API's and the console's): a real process on a real database file.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::Scratch;

/// The fixed "now" of the served tests.
pub const TODAY: &str = "--today=2026-11-30 12:00:00";

/// `formrobot serve` on a loopback port; stopped when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
    stderr: PathBuf,
}

impl Server {
    /// Serves `db` with `[http]` on port 0 (at most 64 KiB bodies) and `extra_config` after it.
    pub fn start(scratch: &Scratch, db: &Path, extra_config: &str) -> Server {
        let config = scratch.path("serve.toml");
        let text = format!("[http]\nlisten = \"127.0.0.1:0\"\nmax_body_bytes = 65536\n{extra_config}");
        std::fs::write(&config, text).expect("config");
        let stderr = scratch.path("serve.stderr");
        let mut child = Command::new(env!("CARGO_BIN_EXE_formrobot"))
            .args(["--db", db.to_str().expect("UTF-8"), TODAY, "--config", config.to_str().expect("UTF-8"), "serve"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("reads");
        let address = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("serve said {line:?}: {}", std::fs::read_to_string(&stderr).unwrap_or_default()))
            .parse()
            .expect("an address");
        Server { child, address, stderr }
    }

    /// `http://ADDRESS` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// What it logged so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
