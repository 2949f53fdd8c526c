//! The upstream registry's Resource Request API, as a client: one POST of a
//! payload with the key in the `ncc-api-authorization` header, tried again
//! with doubling waits while the transport fails (no connection, a reset, no
//! answer in time, a 5xx), and the answer read back as the API documents it
//! (2xx taken; 400 with `{"errors": [{"path", "msg"}]}`).
//!
//! HTTP/1.1 by hyper over the daemon's own TCP and TLS connections, so the
//! trust store and certificate advice are the same as for the mail servers.

use crate::config::UpstreamApiConfig;
use crate::daemon::connect::{self, MailStream};
use crate::daemon::DaemonError;
use crate::http::KEY_HEADER;
use formrobot_api::request::ENDPOINTS;
use formrobot_api::{ApiError, RequestType};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use std::time::Duration;

/// How long one attempt may take, from connecting to the end of the answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// The most of an answer that is read.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// What the upstream said to a request it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 2xx: it took the request; its status and body.
    Taken {
        /// The HTTP status.
        status: u16,
        /// The body, as text.
        body: String,
    },
    /// 4xx: it refused it; trying again does not help.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The errors it listed, when it answered in the API's shape.
        errors: Vec<ApiError>,
        /// The body, as text.
        body: String,
    },
}

/// Every attempt failed in transit; the request is still the ticket's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the upstream API could not be reached after {attempts} attempt(s): {last}")]
pub struct Unreachable {
    /// How many attempts were made.
    pub attempts: u32,
    /// What the last one ran into.
    pub last: String,
}

/// The upstream API, configured.
#[derive(Debug, Clone)]
pub struct Upstream {
    uri: Uri,
    key: String,
    tls: Option<std::sync::Arc<tokio_rustls::rustls::ClientConfig>>,
    retries: u32,
    backoff: Duration,
}

impl Upstream {
    /// The upstream `[upstream_api]` names, its key read from the environment variable `key_env`.
    pub fn new(config: &UpstreamApiConfig) -> Result<Upstream, DaemonError> {
        let uri: Uri =
            config.url.parse().map_err(|e| DaemonError::Config(format!("[upstream_api] url {}: {e}", config.url)))?;
        let tls = match uri.scheme_str() {
            Some("https") => Some(connect::tls_config(config.ca_file.as_deref())?),
            Some("http") => None,
            _ => return Err(DaemonError::Config(format!("[upstream_api] url {} is not http(s)://", config.url))),
        };
        if uri.host().is_none() {
            return Err(DaemonError::Config(format!("[upstream_api] url {} names no host", config.url)));
        }
        let key = std::env::var(&config.key_env).map_err(|_| {
            DaemonError::Config(format!(
                "[upstream_api] key_env: the environment variable {} is not set",
                config.key_env
            ))
        })?;
        Ok(Upstream { uri, key, tls, retries: config.retries, backoff: Duration::from_millis(config.backoff_ms) })
    }

    /// The path a request of `kind` goes to: the configured URL's path when
    /// it is one of the API's endpoints, with that endpoint swapped for
    /// `kind`'s (so one setting serves every type), or `kind`'s endpoint below
    /// any other path (a base such as `https://my.ripe.net`).
    pub fn path_for(&self, kind: RequestType) -> String {
        let configured = self.uri.path();
        let base = ENDPOINTS
            .iter()
            .find_map(|(endpoint, _)| configured.strip_suffix(endpoint))
            .unwrap_or(configured.trim_end_matches('/'));
        let query = self.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
        format!("{base}{}{query}", kind.endpoint())
    }

    /// POSTs `payload` as a request of `kind`, trying again while the transport fails.
    pub async fn post(&self, kind: RequestType, payload: &[u8]) -> Result<Answer, Unreachable> {
        let path = self.path_for(kind);
        let mut wait = self.backoff;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let failure = match tokio::time::timeout(ATTEMPT_TIMEOUT, self.attempt(&path, payload)).await {
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err(failure)) => failure,
                Err(_) => format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()),
            };
            if attempts > self.retries {
                return Err(Unreachable { attempts, last: failure });
            }
            tracing::warn!(
                attempt = attempts,
                error = failure,
                retry_in_ms = wait.as_millis() as u64,
                "forward failed"
            );
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
        }
    }

    /// One attempt; a 5xx counts as a transport failure (the upstream may recover).
    async fn attempt(&self, path: &str, payload: &[u8]) -> Result<Answer, String> {
        let host = self.uri.host().unwrap_or_default();
        let port = self.uri.port_u16().unwrap_or(if self.tls.is_some() { 443 } else { 80 });
        let stream = connect::tcp(host, port).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let stream = match &self.tls {
            Some(tls) => connect::start_tls(stream, host, tls.clone()).await.map_err(|e| e.to_string())?,
            None => MailStream::Plain(stream),
        };
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
        let driver = tokio::spawn(connection);
        let authority = self.uri.authority().map_or(host, |a| a.as_str());
        let request = Request::post(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::ACCEPT, "application/json")
            .header(KEY_HEADER, &self.key)
            .body(Full::new(Bytes::copy_from_slice(payload)))
            .map_err(|e| e.to_string())?;
        let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| format!("reading the answer: {e}"))?
            .to_bytes();
        driver.abort();
        let body = String::from_utf8_lossy(&body).into_owned();
        match status {
            200..=299 => Ok(Answer::Taken { status, body }),
            500..=599 => Err(format!("the upstream answered {status}: {}", shortened(&body))),
            _ => Ok(Answer::Refused { status, errors: errors_of(&body), body }),
        }
    }
}

/// The errors of an answer in the API's shape, `{"errors": [{"path", "msg"}]}`.
fn errors_of(body: &str) -> Vec<ApiError> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else { return Vec::new() };
    value["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| ApiError {
                    path: error["path"].as_str().unwrap_or("obj").to_owned(),
                    msg: error["msg"].as_str().map_or_else(|| error.to_string(), str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// At most 500 characters of `text`, for the log.
pub fn shortened(text: &str) -> String {
    const MAX: usize = 500;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream(url: &str) -> Upstream {
        Upstream {
            uri: url.parse().expect("a URL"),
            key: String::new(),
            tls: None,
            retries: 0,
            backoff: Duration::ZERO,
        }
    }

    #[test]
    fn each_request_type_goes_to_its_own_endpoint() {
        let asn = upstream("https://my.example.net/api/external/v1/request/asn/assignment");
        assert_eq!(asn.path_for(RequestType::AsnAssignment), "/api/external/v1/request/asn/assignment");
        assert_eq!(asn.path_for(RequestType::Ipv6PiAssignment), "/api/external/v1/request/ipv6/pi-assignment");
        let base = upstream("http://127.0.0.1:8080/");
        assert_eq!(base.path_for(RequestType::Ipv4FirstAllocation), "/api/external/v1/request/ipv4/allocation");
        let prefixed = upstream("http://proxy.example/ripe/api/external/v1/request/ipv4/allocation?x=1");
        assert_eq!(prefixed.path_for(RequestType::AsnAssignment), "/ripe/api/external/v1/request/asn/assignment?x=1");
    }
}
