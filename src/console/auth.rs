//! Who may use the console, and how each request proves it.
//!
//! - Passwords are kept only as argon2 hashes (PHC strings with their salt
//!   and parameters); an unknown name is checked against a fixed hash all
//!   the same, so that the time of an answer does not tell which names exist.
//! - A session is a random token in an `HttpOnly`, `SameSite=Strict` cookie
//!   (`Secure` with `[console] secure_cookies`); the store keeps its SHA-256
//!   and when it was last used, and ends it after `session_idle_minutes`.
//! - Every form carries a CSRF token: a session's forms the session's token
//!   (kept in the store), the forms shown before a login (the login and the
//!   public check page) the value of a cookie set with the page (a "double
//!   submit": another site can make a browser send the cookie but cannot read it).
//! - Failed logins are counted per name and per client address in a window
//!   (in memory: they slow guessing down, and a restart that forgets them
//!   does not let anyone in), and every failure is an event in the log.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::http::{header, HeaderMap};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// The cookie holding a session's token.
pub const SESSION_COOKIE: &str = "formrobot_session";
/// The cookie holding the CSRF token of forms shown before a login.
pub const FORM_COOKIE: &str = "formrobot_form";

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The system gave no random numbers for the salt.
    #[error("no random numbers from the system: {0}")]
    Random(String),
    /// The hasher refused (a password longer than argon2 takes).
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

/// `bytes` random bytes from the operating system's generator, in hex.
pub fn random_hex(bytes: usize) -> Result<String, PasswordError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| PasswordError::Random(e.to_string()))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

/// A new session token or CSRF token: 32 random bytes in hex.
pub fn new_token() -> Result<String, PasswordError> {
    random_hex(32)
}

/// The argon2id hash of `password` with a new random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| PasswordError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// A hash no password matches by chance, to spend the same time on an unknown name.
static NOBODY: LazyLock<Option<String>> = LazyLock::new(|| hash_password("no operator has this password").ok());

/// Whether `password` matches the stored hash; `None` (no such operator)
/// takes as long and never matches.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let (hash, known) = match stored {
        Some(hash) => (hash.to_owned(), true),
        None => (NOBODY.clone().unwrap_or_default(), false),
    };
    let Ok(parsed) = PasswordHash::new(&hash) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && known
}

/// Whether two tokens are equal, in a time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && !a.is_empty() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
}

/// A `Set-Cookie` value for `name`, readable only by the server, sent only to this site.
pub fn set_cookie(name: &str, value: &str, path: &str, secure: bool) -> String {
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict{}", if secure { "; Secure" } else { "" })
}

/// The CSRF token of a form shown before a login: the form cookie's, else a
/// new one (`true`: to be set with the page, [`FORM_COOKIE`]).
pub fn form_token(headers: &HeaderMap) -> Result<(String, bool), PasswordError> {
    match cookie(headers, FORM_COOKIE).filter(|token| token.len() == 64) {
        Some(token) => Ok((token, false)),
        None => new_token().map(|token| (token, true)),
    }
}

/// A `Set-Cookie` value that makes the browser forget cookie `name`.
pub fn clear_cookie(name: &str, path: &str, secure: bool) -> String {
    format!("{}; Max-Age=0", set_cookie(name, "", path, secure))
}

/// The client's address: the connection's peer, or with `trust_forwarded_for`
/// the last `X-Forwarded-For` entry (the one the proxy in front wrote).
pub fn client_address(peer: SocketAddr, headers: &HeaderMap, trust_forwarded_for: bool) -> String {
    let forwarded = trust_forwarded_for
        .then(|| headers.get("x-forwarded-for")?.to_str().ok()?.rsplit(',').next().map(str::trim))
        .flatten()
        .filter(|address| !address.is_empty() && address.len() <= 64);
    forwarded.map_or_else(|| peer.ip().to_string(), str::to_owned)
}

/// Counts events per key in a sliding window: failed logins per name and per
/// address, checks per address.
#[derive(Debug, Default)]
pub struct Limiter {
    seen: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Keys the limiter holds at most; past that, the keys with nothing in the window are forgotten first.
const MAX_KEYS: usize = 100_000;

impl Limiter {
    /// How many events `key` had in the last `window`.
    pub fn count(&self, key: &str, window: Duration) -> usize {
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        match seen.get_mut(key) {
            Some(times) => {
                while times.front().is_some_and(|t| now.duration_since(*t) > window) {
                    times.pop_front();
                }
                times.len()
            }
            None => 0,
        }
    }

    /// Notes an event of `key`; keeps at most `max` per key (older ones fall out).
    pub fn note(&self, key: &str, window: Duration, max: usize) {
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if seen.len() >= MAX_KEYS {
            // A flood of addresses or names must not grow memory without end.
            seen.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) <= window));
            if seen.len() >= MAX_KEYS {
                seen.clear();
            }
        }
        let times = seen.entry(key.to_owned()).or_default();
        times.push_back(now);
        while times.len() > max.max(1) {
            times.pop_front();
        }
    }

    /// Takes one event for `key` if fewer than `max` happened in `window`; whether it was allowed.
    pub fn take(&self, key: &str, window: Duration, max: usize) -> bool {
        if self.count(key, window) >= max {
            return false;
        }
        self.note(key, window, max);
        true
    }

    /// Forgets `key`'s events (a successful login clears its name's failures).
    pub fn forget(&self, key: &str) {
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_only() {
        let hash = hash_password("correct horse").expect("hashed");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(verify_password("correct horse", Some(&hash)));
        assert!(!verify_password("correct hors", Some(&hash)));
        assert!(!verify_password("correct horse", None));
        assert!(!verify_password("x", Some("not a hash")));
        assert_ne!(hash_password("correct horse").expect("hashed"), hash, "a new salt each time");
    }

    #[test]
    fn cookies_and_tokens() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; formrobot_session=abc ; b=2".parse().expect("a header"));
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("", ""));
        assert!(!same_token("abc", "abcd"));
        assert_eq!(new_token().expect("random").len(), 64);
        let set = set_cookie(SESSION_COOKIE, "v", "/", true);
        assert_eq!(set, "formrobot_session=v; Path=/; HttpOnly; SameSite=Strict; Secure");
        assert!(clear_cookie(SESSION_COOKIE, "/", false).ends_with("Max-Age=0"));
    }

    #[test]
    fn the_client_is_the_peer_unless_a_proxy_is_trusted() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().expect("an address");
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 198.51.100.7".parse().expect("a header"));
        assert_eq!(client_address(peer, &headers, false), "127.0.0.1");
        assert_eq!(client_address(peer, &headers, true), "198.51.100.7");
        assert_eq!(client_address(peer, &HeaderMap::new(), true), "127.0.0.1");
    }

    #[test]
    fn the_limiter_counts_within_its_window() {
        let limiter = Limiter::default();
        let window = Duration::from_secs(60);
        assert!(limiter.take("a", window, 2));
        assert!(limiter.take("a", window, 2));
        assert!(!limiter.take("a", window, 2), "a third in the window");
        assert!(limiter.take("b", window, 2), "another key");
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(limiter.count("a", Duration::from_millis(1)), 0, "nothing left in a window that has passed");
        limiter.forget("a");
        assert_eq!(limiter.count("a", window), 0);
    }
}
