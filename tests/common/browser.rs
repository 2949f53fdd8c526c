//! A real headless Chromium driven through its WebDriver (chromedriver),
//! both from Debian's packages, which `scripts/browser` installs when they
//! are missing. The client is a few WebDriver commands as JSON over HTTP on
//! a plain socket: enough to open pages, fill and press, read text, run a
//! line of script and take screenshots.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The key WebDriver names an element by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Installs Chromium and chromedriver when missing; a machine where that
/// fails fails the test with the script's reason (nothing is skipped).
fn ensure_installed() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/browser");
    let output = Command::new(&script).arg("install").output().expect("scripts/browser runs");
    assert!(
        output.status.success(),
        "the console's browser tests need Chromium and chromedriver, and scripts/browser could not install them: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// One HTTP/1.1 request to `port` on loopback; the status and the JSON body.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("chromedriver accepts");
    stream.set_read_timeout(Some(Duration::from_secs(120))).expect("timeout");
    let payload = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        payload.len()
    );
    stream.write_all(head.as_bytes()).expect("writes");
    stream.write_all(payload.as_bytes()).expect("writes");
    // chromedriver keeps the connection open whatever the request says: read
    // the head, then as many bytes as it announces (or chunks until the last).
    let mut answer = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    let complete = |answer: &[u8]| -> Option<(String, Vec<u8>)> {
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
        let body = &answer[split + 4..];
        if head.contains("transfer-encoding: chunked") {
            return body.ends_with(b"0\r\n\r\n").then(|| (head.clone(), unchunk(body)));
        }
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0);
        (body.len() >= length).then(|| (head.clone(), body[..length].to_vec()))
    };
    let (head, body) = loop {
        if let Some(done) = complete(&answer) {
            break done;
        }
        let read = stream.read(&mut buffer).expect("reads");
        assert!(read > 0, "chromedriver closed the connection mid-answer: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buffer[..read]);
    };
    let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// A chunked body joined.
fn unchunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 || body.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[(end + 4 + size).min(body.len())..];
    }
    out
}

/// A free loopback port (the listener is closed again; chromedriver takes it next).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("binds").local_addr().expect("address").port()
}

/// A headless Chromium session; the browser and its driver end when dropped.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: TempDir,
}

impl Browser {
    /// Starts chromedriver and a Chromium whose window is `width` x `height`.
    pub fn start(width: u32, height: u32) -> Browser {
        ensure_installed();
        let port = free_port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "chromedriver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::Builder::new().prefix("formrobot-chromium-").tempdir().expect("profile dir");
        // Without these, Chromium on a closed network waits on its own services and hangs.
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}
        }}});
        let (status, answer) = http(port, "POST", "/session", Some(&capabilities));
        let session = answer["value"]["sessionId"].as_str().map(str::to_owned);
        let mut browser = Browser { driver, port, session: String::new(), _profile: profile };
        browser.session = session.unwrap_or_else(|| panic!("no Chromium session ({status}): {answer}"));
        browser.viewport(width, height);
        browser
    }

    /// A WebDriver command on this session; its `value`.
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = http(self.port, method, &format!("/session/{}{path}", self.session), body.as_ref());
        assert!(status == 200, "WebDriver {method} {path}: {status} {answer}");
        answer["value"].clone()
    }

    /// Makes the page's viewport `width` x `height` CSS pixels, as a phone's or a desktop's.
    pub fn viewport(&self, width: u32, height: u32) {
        let params = json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600});
        self.command(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": params})),
        );
    }

    /// Opens `url` and waits for it to load.
    pub fn open(&self, url: &str) {
        self.command("POST", "/url", Some(json!({ "url": url })));
    }

    /// The element `css` selects; fails the test when there is none.
    pub fn find(&self, css: &str) -> String {
        let value = self.command("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        value[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css} on {}", self.url())).to_owned()
    }

    /// How many elements `css` selects.
    pub fn count(&self, css: &str) -> usize {
        let value = self.command("POST", "/elements", Some(json!({"using": "css selector", "value": css})));
        value.as_array().map_or(0, Vec::len)
    }

    /// Types `text` into the element `css` selects.
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.command("POST", &format!("/element/{element}/value"), Some(json!({ "text": text })));
    }

    /// Clicks the element `css` selects, a link or a button that leads to
    /// another page, and waits until that page has loaded (a click returns
    /// as soon as the browser took it, not when the answer came).
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.run("window.formrobotOldPage = true;", json!([]));
        self.command("POST", &format!("/element/{element}/click"), Some(json!({})));
        let started = Instant::now();
        let loaded = "return window.formrobotOldPage === undefined && document.readyState === 'complete';";
        while self.run(loaded, json!([])) != json!(true) {
            assert!(started.elapsed() < Duration::from_secs(30), "clicking {css} led to no new page");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The visible text of the element `css` selects.
    pub fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.command("GET", &format!("/element/{element}/text"), None).as_str().unwrap_or("").to_owned()
    }

    /// The page's HTML as the browser holds it.
    pub fn source(&self) -> String {
        self.command("GET", "/source", None).as_str().unwrap_or("").to_owned()
    }

    /// The page's address.
    pub fn url(&self) -> String {
        self.command("GET", "/url", None).as_str().unwrap_or("").to_owned()
    }

    /// Runs `script` (a function body) with `args`; what it returns.
    pub fn run(&self, script: &str, args: Value) -> Value {
        self.command("POST", "/execute/sync", Some(json!({ "script": script, "args": args })))
    }

    /// Waits until `css` selects an element whose text contains `text`; fails after `seconds`.
    pub fn wait_for_text(&self, css: &str, text: &str, seconds: u64) {
        let started = Instant::now();
        loop {
            if self.count(css) > 0 && self.text(css).contains(text) {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(seconds), "no '{text}' in {css} after {seconds} s");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A PNG of the whole page at the viewport's width (at most `max_height` pixels high).
    pub fn screenshot(&self, width: u32, max_height: u32) -> Vec<u8> {
        let height = self.run("return document.documentElement.scrollHeight;", json!([])).as_u64().unwrap_or(800);
        self.viewport(width, (height as u32).clamp(400, max_height));
        let encoded = self.command("GET", "/screenshot", None);
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.decode(encoded.as_str().unwrap_or("")).expect("a base64 PNG")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http(self.port, "DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The width and height a PNG's header gives.
pub fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 24, "not a PNG");
    let number = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (number(16), number(20))
}
