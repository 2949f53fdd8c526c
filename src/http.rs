//! `formrobot serve`: the Resource Request API over HTTP (axum on the tokio
//! runtime), and next to it on the same port the operators' console and the
//! public check page ([`crate::console`]). This module only speaks HTTP for
//! the API: it finds the key, limits and reads the body, and turns
//! [`crate::api`]'s results into status codes and JSON; every decision is made there.
//!
//! Every answer of the API is JSON. Bodies are refused (413) above `[http]
//! max_body_bytes` before they are parsed; a missing or unknown key is 401,
//! logged without the key; the store is used on blocking threads, one
//! request at a time, so the async thread is always free to accept.

use crate::api::{self, ApiFailure};
use crate::config::{Config, ConsoleConfig, RegistryConfig};
use crate::console;
use crate::pipeline::Settings;
use axum::body::{to_bytes, Body};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use formrobot_api::request::ENDPOINTS;
use formrobot_api::{ErrorBody, RequestType};
use formrobot_engine::forms::FormSet;
use formrobot_store::{Store, TicketState};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// The header that carries the key, as the API's documentation names it.
pub const KEY_HEADER: &str = "ncc-api-authorization";

/// What every handler shares.
pub struct Service {
    store: Mutex<Store>,
    pub(crate) settings: Settings,
    pub(crate) registry: RegistryConfig,
    max_body_bytes: usize,
    /// The template definitions forms are checked against (the console's views, the check page).
    pub(crate) forms: FormSet,
    /// `[console]`.
    pub(crate) console: ConsoleConfig,
    /// Failed logins, per name and per client address.
    pub(crate) login_failures: console::auth::Limiter,
    /// Forms checked on the public page, per client address.
    pub(crate) checks: console::auth::Limiter,
    /// Woken when a request queued mail, so that a sender in this process sends it now.
    pub(crate) wake_sender: Option<Arc<Notify>>,
    /// A fixed time for reproducible tests (`--today`), else the clock.
    fixed_now: Option<i64>,
}

impl Service {
    /// A service on `store`, configured by `config`, checking forms against `forms`.
    pub fn new(
        store: Store,
        config: &Config,
        forms: FormSet,
        wake_sender: Option<Arc<Notify>>,
        fixed_now: Option<i64>,
    ) -> Service {
        Service {
            store: Mutex::new(store),
            settings: Settings::from_config(config),
            registry: config.registry.clone(),
            max_body_bytes: config.http.max_body_bytes,
            forms,
            console: config.console.clone(),
            login_failures: console::auth::Limiter::default(),
            checks: console::auth::Limiter::default(),
            wake_sender,
            fixed_now,
        }
    }

    /// Now, Unix seconds: the fixed time of `--today`, else the clock.
    pub(crate) fn now(&self) -> i64 {
        self.fixed_now.unwrap_or_else(crate::clock::now)
    }
}

/// The routes: the four request endpoints and the ticket state, the console and the check page.
pub fn router(service: Arc<Service>) -> Router {
    let mut router = Router::new();
    for (path, kind) in ENDPOINTS {
        router = router.route(
            path,
            post(move |state: State<Arc<Service>>, uri: Uri, headers: HeaderMap, body: Body| {
                create(state, kind, uri, headers, body)
            }),
        );
    }
    router
        .route("/api/external/v1/request/{ticket}", get(ticket_state))
        .merge(console::routes(service.console.check_max_bytes))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(service)
}

/// Serves on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer's address is what the console's rate limits count by.
    let app = router(service).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// The answer to a request taken: `{"ticket": "FR-...", "status": "pending-review"}`.
#[derive(Serialize)]
struct Created<'a> {
    ticket: &'a str,
    status: TicketState,
}

/// A ticket's state as its key reads it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TicketAnswer<'a> {
    ticket: &'a str,
    status: TicketState,
    request_type: &'a str,
    /// The first AS number assigned, once approved.
    #[serde(skip_serializing_if = "Option::is_none")]
    asn: Option<&'a str>,
    asns: &'a [String],
}

/// A JSON answer.
fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A JSON error answer.
fn failure(status: StatusCode, body: &ErrorBody) -> Response {
    json_response(status, body)
}

fn refused(status: StatusCode, msg: impl Into<String>) -> Response {
    failure(status, &ErrorBody::single(msg))
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiFailure::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiFailure::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiFailure::NotFound => StatusCode::NOT_FOUND,
            ApiFailure::Unavailable(why) => {
                tracing::error!(why, "a request could not be processed");
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        failure(status, &api::error_body(&self))
    }
}

/// The key from the header, else from the `key` query parameter (decoded by axum's query reader).
fn given_key(uri: &Uri, headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(KEY_HEADER) {
        return value.to_str().ok().map(str::to_owned);
    }
    let Query(query) = Query::<KeyQuery>::try_from_uri(uri).ok()?;
    query.key
}

/// The query parameter that may carry the key; other parameters are ignored.
#[derive(serde::Deserialize)]
struct KeyQuery {
    key: Option<String>,
}

/// Runs `work` on the store on a blocking thread; `Err` says why the worker failed.
pub(crate) async fn on_store<T: Send + 'static>(
    service: &Arc<Service>,
    work: impl FnOnce(&mut Store, &Service) -> T + Send + 'static,
) -> Result<T, String> {
    let service = Arc::clone(service);
    tokio::task::spawn_blocking(move || {
        // A handler that panicked while holding the lock left the store as SQLite left it: usable.
        let mut store = service.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        work(&mut store, &service)
    })
    .await
    .map_err(|error| format!("the request's worker failed: {error}"))
}

/// Runs `work` on the store on a blocking thread, for the API.
async fn with_store<T: Send + 'static>(
    service: &Arc<Service>,
    work: impl FnOnce(&mut Store, &Service) -> Result<T, ApiFailure> + Send + 'static,
) -> Result<T, ApiFailure> {
    on_store(service, work).await.map_err(ApiFailure::Unavailable)?
}

async fn create(
    State(service): State<Arc<Service>>,
    kind: RequestType,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let key = given_key(&uri, &headers);
    let limit = service.max_body_bytes;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(limit);
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    // The key is checked before the body is read: a stranger's upload is not taken in.
    let authenticated = with_store(&service, move |store, _| api::authenticate(store, key.as_deref())).await;
    let key = match authenticated {
        Ok(key) => key,
        Err(failure) => {
            if matches!(failure, ApiFailure::Unauthorized) {
                tracing::warn!(path = uri.path(), "refused a request without a valid API key");
            }
            return failure.into_response();
        }
    };
    if !is_json {
        return refused(StatusCode::BAD_REQUEST, "the body must be JSON, sent with Content-Type: application/json");
    }
    let body = match to_bytes(body, limit).await {
        Ok(body) => body,
        Err(error) => {
            let too_long =
                std::error::Error::source(&error).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            if too_long {
                return too_large(limit);
            }
            return refused(StatusCode::BAD_REQUEST, format!("the body could not be read: {error}"));
        }
    };
    let taken = with_store(&service, move |store, service| {
        api::submit(store, &service.settings, &service.registry, kind, &body, &key, service.now())
    })
    .await;
    match taken {
        Ok(taken) => {
            tracing::info!(ticket = taken.ticket, request_type = kind.name(), "request taken through the API");
            if let (Some(wake), Some(_)) = (&service.wake_sender, &taken.acknowledged) {
                wake.notify_one();
            }
            json_response(StatusCode::CREATED, &Created { ticket: &taken.ticket, status: TicketState::PendingReview })
        }
        Err(failure) => failure.into_response(),
    }
}

fn too_large(limit: usize) -> Response {
    refused(StatusCode::PAYLOAD_TOO_LARGE, format!("the body is larger than the limit of {limit} bytes"))
}

async fn ticket_state(
    State(service): State<Arc<Service>>,
    Path(ticket): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let key = given_key(&uri, &headers);
    let path = uri.path().to_owned();
    let found = with_store(&service, move |store, _| {
        let key = api::authenticate(store, key.as_deref())?;
        api::status(store, &ticket, &key)
    })
    .await;
    match found {
        Ok(ticket) => {
            let asns: Vec<String> = ticket.asns.iter().map(|asn| format!("AS{asn}")).collect();
            let body = TicketAnswer {
                ticket: &ticket.ticket,
                status: ticket.status,
                request_type: &ticket.request_type,
                asn: asns.first().map(String::as_str),
                asns: &asns,
            };
            json_response(StatusCode::OK, &body)
        }
        Err(failure) => {
            if matches!(failure, ApiFailure::Unauthorized) {
                tracing::warn!(path, "refused a request without a valid API key");
            }
            failure.into_response()
        }
    }
}

async fn not_found(uri: Uri) -> Response {
    refused(StatusCode::NOT_FOUND, format!("there is nothing at {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    refused(StatusCode::METHOD_NOT_ALLOWED, format!("{} does not take {method}", uri.path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keys_are_percent_decoded() {
        let key_of = |query: &str| given_key(&format!("/x?{query}").parse().expect("a uri"), &HeaderMap::new());
        assert_eq!(key_of("key=fr_a%2Bb+c").as_deref(), Some("fr_a+b c"));
        assert_eq!(key_of("key=100%").as_deref(), Some("100%"));
        assert_eq!(key_of("key=%zz").as_deref(), Some("%zz"));
        let uri: Uri = "/x?a=1&key=abc%3D".parse().expect("a uri");
        assert_eq!(given_key(&uri, &HeaderMap::new()).as_deref(), Some("abc="));
    }
}
