//! The operators' web console and the public check page, served by
//! `formrobot serve` next to the API on one port.
//!
//! - `/console/login`, `/console/logout`: sessions ([`auth`]).
//! - `/console/`: the queue; `/console/tickets/{tag}`: a ticket, and its
//!   `approve`, `decline` and `ask` forms, which call the same
//!   [`crate::operator`] functions as the command line, in the logged-in
//!   operator's name.
//! - `/console/log` (and `/console/log/rows`, which the page's script polls
//!   for newer events), `/console/overview` (counts and [`charts`]).
//! - `/check`: the public check page ([`check`]).
//!
//! Pages are rendered on the server ([`pages`], maud); the only script adds
//! new log rows. Every page answer carries a Content-Security-Policy that
//! allows nothing but this site's own stylesheet and script.

pub mod auth;
pub mod charts;
pub mod check;
pub mod pages;

use crate::http::{on_store, Service};
use crate::operator::{self, Approval, OperatorError};
use auth::{FORM_COOKIE, SESSION_COOKIE};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use formrobot_engine::check::check_text_under;
use formrobot_engine::date::{parse_since, Date};
use formrobot_engine::register::read_asn;
use formrobot_mail::intake;
use formrobot_store::console::Session;
use formrobot_store::query::EventFilter;
use formrobot_store::{EventLevel, StoreError, TicketState};
use maud::{html, Markup};
use pages::{Entered, Section, Viewer};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The console's routes; `/check` reads at most `check_max_bytes` of a form.
pub fn routes(check_max_bytes: usize) -> Router<Arc<Service>> {
    // A form field is URL-encoded: up to three bytes per byte of the form, and the field names.
    let check_body_limit = check_max_bytes.saturating_mul(3).saturating_add(4096);
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/", get(queue))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/tickets/{tag}", get(ticket))
        .route("/console/tickets/{tag}/{action}", post(act))
        .route("/console/log", get(log))
        .route("/console/log/rows", get(log_rows))
        .route("/console/overview", get(overview))
        .route("/console/assets/console.css", get(|| async { asset("text/css", include_str!("assets/console.css")) }))
        .route(
            "/console/assets/console.js",
            get(|| async { asset("text/javascript", include_str!("assets/console.js")) }),
        )
        .route("/check", get(check::show).post(check::check).layer(DefaultBodyLimit::max(check_body_limit)))
}

/// The client's address (see [`auth::client_address`]).
pub struct Client(pub String);

impl FromRequestParts<Arc<Service>> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, service: &Arc<Service>) -> Result<Client, Self::Rejection> {
        // Without connection info (a router served without it) every client is one unknown address.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)), |info| info.0);
        Ok(Client(auth::client_address(peer, &parts.headers, service.console.trust_forwarded_for)))
    }
}

/// An HTML page with the console's security headers.
pub fn html_page(status: StatusCode, markup: Markup) -> Response {
    let mut response =
        (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], markup.into_string()).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        // Pages hold requesters' data: not for shared caches, nor for the back button after a logout.
        ("cache-control", "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn asset(content_type: &'static str, text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], text).into_response()
}

/// A failure of the server (the database, the worker), logged; the page says only that.
pub fn failure(why: &str) -> Response {
    tracing::error!(why, "console: a page could not be made");
    let markup = pages::message("Something went wrong", "The page could not be made; the server's log says why.", None);
    html_page(StatusCode::INTERNAL_SERVER_ERROR, markup)
}

fn to_login() -> Response {
    Redirect::to("/console/login").into_response()
}

/// Runs `work` on the store (see [`on_store`]); a failure of the worker or
/// of the store is the answer to send instead: the error page.
async fn stored<T: Send + 'static, E: std::fmt::Display + Send + 'static>(
    service: &Arc<Service>,
    work: impl FnOnce(&mut formrobot_store::Store, &Service) -> Result<T, E> + Send + 'static,
) -> Result<T, Response> {
    match on_store(service, work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(failure(&error.to_string())),
        Err(why) => Err(failure(&why)),
    }
}

/// The session of the request's cookie, or the answer to send instead (to the login page).
async fn session(service: &Arc<Service>, headers: &HeaderMap) -> Result<Session, Response> {
    let Some(token) = auth::cookie(headers, SESSION_COOKIE) else { return Err(to_login()) };
    let idle = i64::from(service.console.session_idle_minutes) * 60;
    stored(service, move |store, service| store.session(&token, idle, service.now())).await?.ok_or_else(to_login)
}

/// The refusal of a form whose CSRF token is not the session's (nothing is done); `None` when it is.
fn csrf_refusal(session: &Session, sent: Option<&str>, what: &str) -> Option<Response> {
    if sent.is_some_and(|sent| auth::same_token(sent, &session.csrf)) {
        return None;
    }
    tracing::warn!(operator = session.operator, what, "console: a form without its security token was refused");
    let viewer = Viewer { operator: &session.operator, csrf: &session.csrf };
    let markup = pages::message(
        "Refused",
        "The form did not carry this session's security token, so nothing was done. Reload the page and try again.",
        Some(&viewer),
    );
    Some(html_page(StatusCode::FORBIDDEN, markup))
}

/// `response` setting the form cookie to `token` when it is `new`.
pub fn with_form_cookie(service: &Service, mut response: Response, token: &str, new: bool) -> Response {
    if new {
        if let Ok(value) = auth::set_cookie(FORM_COOKIE, token, "/", service.console.secure_cookies).parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn login_answer(
    service: &Service,
    status: StatusCode,
    token: &str,
    new: bool,
    name: &str,
    problem: Option<&str>,
) -> Response {
    with_form_cookie(service, html_page(status, pages::login(token, name, problem)), token, new)
}

async fn login_page(State(service): State<Arc<Service>>, headers: HeaderMap) -> Response {
    match auth::form_token(&headers) {
        Ok((token, new)) => login_answer(&service, StatusCode::OK, &token, new, "", None),
        Err(error) => failure(&error.to_string()),
    }
}

/// The login form.
#[derive(Deserialize)]
struct LoginForm {
    csrf: Option<String>,
    name: Option<String>,
    password: Option<String>,
}

/// Logs a failed or refused login in the event log and through tracing.
async fn log_failure(service: &Arc<Service>, level: EventLevel, name: &str, details: String) {
    tracing::warn!(name, details, "console: login failed");
    let name = formrobot_engine::diagnostic::clip(name, 64);
    // `stored` logs a failure to write it (through `failure`); the login page is answered all the same.
    let logging = move |store: &mut formrobot_store::Store, service: &Service| {
        store.log_login_failure(level, &name, &details, service.now())
    };
    let _ = stored(service, logging).await;
}

async fn login(
    State(service): State<Arc<Service>>,
    Client(client): Client,
    headers: HeaderMap,
    Form(input): Form<LoginForm>,
) -> Response {
    let (token, new) = match auth::form_token(&headers) {
        Ok(token) => token,
        Err(error) => return failure(&error.to_string()),
    };
    let name = input.name.unwrap_or_default().trim().to_owned();
    let password = input.password.unwrap_or_default();
    if new || !input.csrf.is_some_and(|sent| auth::same_token(&sent, &token)) {
        let why = "The page's security token was missing or out of date; please log in again.";
        return login_answer(&service, StatusCode::FORBIDDEN, &token, new, &name, Some(why));
    }
    let console = &service.console;
    let window = Duration::from_secs(u64::from(console.login_window_minutes) * 60);
    let max = console.max_login_failures as usize;
    let (by_name, by_address) = (format!("name:{name}"), self::client(&client));
    // An address may try a few names (a colleague's typo), but not many.
    if service.login_failures.count(&by_name, window) >= max
        || service.login_failures.count(&by_address, window) >= 4 * max
    {
        let details = format!("refused from {client}: too many failed logins; waiting for the window to pass");
        log_failure(&service, EventLevel::Warn, &name, details).await;
        let why = format!(
            "Too many failed logins for this name or from this address. Wait {} minutes, then try again.",
            console.login_window_minutes
        );
        return login_answer(&service, StatusCode::TOO_MANY_REQUESTS, &token, new, &name, Some(&why));
    }
    let wanted = name.clone();
    let credentials = match stored(&service, move |store, _| store.credentials(&wanted)).await {
        Ok(credentials) => credentials,
        Err(response) => return response,
    };
    let known_hash = credentials.as_ref().map(|c| c.password_hash.clone());
    // Hashing is slow on purpose: off the async thread.
    let matches = tokio::task::spawn_blocking(move || auth::verify_password(&password, known_hash.as_deref())).await;
    let credentials = match (matches, credentials) {
        (Ok(true), Some(credentials)) => credentials,
        _ => {
            service.login_failures.note(&by_name, window, max);
            service.login_failures.note(&by_address, window, 4 * max);
            log_failure(&service, EventLevel::Warn, &name, format!("wrong name or password, from {client}")).await;
            let why = "The name or the password is wrong.";
            return login_answer(&service, StatusCode::UNAUTHORIZED, &token, new, &name, Some(why));
        }
    };
    service.login_failures.forget(&by_name);
    let (session_token, csrf) = match (auth::new_token(), auth::new_token()) {
        (Ok(session_token), Ok(csrf)) => (session_token, csrf),
        (Err(error), _) | (_, Err(error)) => return failure(&error.to_string()),
    };
    let opening = session_token.clone();
    let opened = stored(&service, move |store, service| {
        store.open_session(&credentials, &opening, &csrf, &client, service.now())
    })
    .await;
    match opened {
        Ok(()) => {
            tracing::info!(operator = name, "console: logged in");
            let cookie = auth::set_cookie(SESSION_COOKIE, &session_token, "/", service.console.secure_cookies);
            let mut response = Redirect::to("/console/").into_response();
            if let Ok(value) = cookie.parse() {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(response) => response,
    }
}

/// A form that carries only its CSRF token.
#[derive(Deserialize)]
struct TokenOnly {
    csrf: Option<String>,
}

async fn logout(State(service): State<Arc<Service>>, headers: HeaderMap, Form(input): Form<TokenOnly>) -> Response {
    let session = match session(&service, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    if let Some(response) = csrf_refusal(&session, input.csrf.as_deref(), "logout") {
        return response;
    }
    let Some(token) = auth::cookie(&headers, SESSION_COOKIE) else { return to_login() };
    if let Err(response) = stored(&service, move |store, service| store.close_session(&token, service.now())).await {
        return response;
    }
    let mut response = to_login();
    if let Ok(value) = auth::clear_cookie(SESSION_COOKIE, "/", service.console.secure_cookies).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The queue's filters.
#[derive(Deserialize, Default)]
struct QueueQuery {
    state: Option<String>,
    q: Option<String>,
}

async fn queue(State(service): State<Arc<Service>>, headers: HeaderMap, Query(query): Query<QueueQuery>) -> Response {
    let session = match session(&service, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let state = query.state.as_deref().and_then(|state| state.parse::<TicketState>().ok());
    let search = query.q.unwrap_or_default();
    let wanted = search.clone();
    let rows = stored(&service, move |store, service| {
        operator::queue(store, state, Some(&wanted)).map(|rows| (rows, service.now()))
    })
    .await;
    let (rows, now) = match rows {
        Ok(found) => found,
        Err(response) => return response,
    };
    let viewer = Viewer { operator: &session.operator, csrf: &session.csrf };
    let page = pages::QueuePage { rows: &rows, state, search: &search, now };
    html_page(StatusCode::OK, pages::queue(&viewer, &page))
}

/// What the ticket page was sent back with after an action.
#[derive(Deserialize, Default)]
struct TicketQuery {
    done: Option<String>,
}

/// What was just done, in words, for the notice after the redirect.
fn done_notice(done: &str) -> Option<String> {
    let text = match done {
        "approve" => "Approved. The final mail to the requester is queued; it is the last one in the correspondence.",
        "decline" => "Declined. The mail with the reason is queued, and the ticket's handles are released.",
        "ask" => "The question is queued to the requester; the ticket waits for the answer.",
        _ => return None,
    };
    Some(text.to_owned())
}

/// The ticket page, with `notice` (and the forms' `entered` values after a refusal).
async fn ticket_page(
    service: &Arc<Service>,
    session: &Session,
    tag: String,
    status: StatusCode,
    notice: Option<(&str, String)>,
    entered: &Entered,
) -> Response {
    let found = on_store(service, move |store, service| {
        let view = operator::show(store, &tag)?;
        let received = operator::request_as_received(store, &service.forms, &service.settings, &tag)?;
        Ok::<_, OperatorError>((view, received))
    })
    .await;
    let viewer = Viewer { operator: &session.operator, csrf: &session.csrf };
    match found {
        Ok(Ok((view, received))) => {
            let page = pages::TicketPage { view: &view, received: received.as_ref(), notice, entered };
            html_page(status, pages::ticket(&viewer, &page))
        }
        Ok(Err(OperatorError::Store(StoreError::NoSuchTicket(tag)))) => html_page(
            StatusCode::NOT_FOUND,
            pages::message("No such ticket", &format!("There is no ticket {tag}."), Some(&viewer)),
        ),
        Ok(Err(error)) => failure(&error.to_string()),
        Err(why) => failure(&why),
    }
}

async fn ticket(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path(tag): Path<String>,
    Query(query): Query<TicketQuery>,
) -> Response {
    let session = match session(&service, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let notice = query.done.as_deref().and_then(done_notice).map(|text| ("ok", text));
    ticket_page(&service, &session, tag, StatusCode::OK, notice, &Entered::default()).await
}

/// The fields of the three action forms (each sends its own).
#[derive(Deserialize)]
struct ActionForm {
    csrf: Option<String>,
    asn: Option<String>,
    note: Option<String>,
    reason: Option<String>,
    message: Option<String>,
}

/// `POST /console/tickets/{tag}/{approve|decline|ask}`: the operator's
/// action through [`crate::operator`], as the command line does it.
async fn act(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path((tag, action)): Path<(String, String)>,
    Form(input): Form<ActionForm>,
) -> Response {
    let session = match session(&service, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    if let Some(response) = csrf_refusal(&session, input.csrf.as_deref(), &action) {
        return response;
    }
    let entered = Entered {
        asn: input.asn.unwrap_or_default().trim().to_owned(),
        note: input.note.unwrap_or_default(),
        reason: input.reason.unwrap_or_default(),
        message: input.message.unwrap_or_default(),
    };
    if !matches!(action.as_str(), "approve" | "decline" | "ask") {
        let viewer = Viewer { operator: &session.operator, csrf: &session.csrf };
        return html_page(
            StatusCode::NOT_FOUND,
            pages::message("No such action", "The actions are approve, decline and ask.", Some(&viewer)),
        );
    }
    let asn = match Some(entered.asn.as_str())
        .filter(|text| !text.is_empty())
        .map(|text| read_asn(text).ok_or(text))
        .transpose()
    {
        Ok(asn) => asn,
        Err(text) => {
            let why = format!("'{text}' is not an AS number (write it as AS64496); nothing was changed.");
            return ticket_page(&service, &session, tag, StatusCode::BAD_REQUEST, Some(("error", why)), &entered).await;
        }
    };
    let (operator_name, what, fields) = (session.operator.clone(), action.clone(), entered.clone());
    let target = tag.clone();
    let done = on_store(&service, move |store, service| {
        let now = service.now();
        let settings = &service.settings;
        match what.as_str() {
            "approve" => {
                let approval = Approval { asn, note: Some(fields.note.as_str()) };
                operator::approve(store, settings, &service.registry, &target, &operator_name, approval, now)
            }
            "decline" => operator::decline(store, settings, &target, &operator_name, &fields.reason, now),
            _ => operator::ask(store, settings, &target, &operator_name, &fields.message, now),
        }
    })
    .await;
    match done {
        Ok(Ok(report)) => {
            tracing::info!(ticket = report.ticket, operator = session.operator, action, state = %report.state, "console: action taken");
            if let Some(wake) = &service.wake_sender {
                wake.notify_one();
            }
            Redirect::to(&format!("/console/tickets/{}?done={action}", report.ticket)).into_response()
        }
        Ok(Err(error)) if error.is_refusal() => {
            let why = format!("{error}; nothing was changed.");
            ticket_page(&service, &session, tag, StatusCode::CONFLICT, Some(("error", why)), &entered).await
        }
        Ok(Err(error)) => failure(&error.to_string()),
        Err(why) => failure(&why),
    }
}

/// The log's filters.
#[derive(Deserialize, Default)]
struct LogQuery {
    level: Option<String>,
    ticket: Option<String>,
    since: Option<String>,
    after: Option<i64>,
}

/// The most events the log page shows.
const LOG_ROWS: usize = 500;

/// The filter the log's query asks for, or why it cannot be read.
fn log_filter(query: &LogQuery, now: i64) -> Result<EventFilter, String> {
    let level = match query.level.as_deref().filter(|l| !l.is_empty()) {
        Some(level) => Some(level.parse::<EventLevel>().map_err(|e| e.to_string())?),
        None => None,
    };
    let since = match query.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => Some(parse_since(text, now).ok_or_else(|| {
            format!("'{text}' is not a time: write 2026-11-30, 2026-11-30 14:00, or an age such as 90m, 2h or 7d")
        })?),
        None => None,
    };
    let ticket =
        query.ticket.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(formrobot_store::lifecycle::normalise_tag);
    Ok(EventFilter { ticket, since, after: query.after, level, newest: Some(LOG_ROWS) })
}

async fn log(State(service): State<Arc<Service>>, headers: HeaderMap, Query(query): Query<LogQuery>) -> Response {
    let session = match session(&service, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let filter = log_filter(&query, service.now());
    let problem = filter.as_ref().err().cloned();
    let filter = filter.unwrap_or_else(|_| EventFilter { newest: Some(LOG_ROWS), ..EventFilter::default() });
    let follow_query = follow_query(&query);
    let events = match stored(&service, move |store, _| store.events(&filter)).await {
        Ok(events) => events,
        Err(response) => return response,
    };
    let viewer = Viewer { operator: &session.operator, csrf: &session.csrf };
    let page = pages::LogPage {
        events: &events,
        level: query.level.as_deref().and_then(|l| l.parse().ok()),
        ticket: query.ticket.as_deref().unwrap_or(""),
        since: query.since.as_deref().unwrap_or(""),
        problem,
        follow_query,
    };
    html_page(StatusCode::OK, pages::log(&viewer, &page))
}

/// The log page's filters as a query string for `/console/log/rows`.
fn follow_query(query: &LogQuery) -> String {
    let pairs = [("level", &query.level), ("ticket", &query.ticket), ("since", &query.since)];
    pairs
        .iter()
        .filter_map(|(key, value)| value.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{key}={}", encode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// `text` percent-encoded for a query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /console/log/rows?after=ID&...`: the rows of newer events, newest first, for the page's script.
async fn log_rows(State(service): State<Arc<Service>>, headers: HeaderMap, Query(query): Query<LogQuery>) -> Response {
    if let Err(response) = session(&service, &headers).await {
        // A script polling after the session ended: no redirect to follow, just no rows.
        drop(response);
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Ok(filter) = log_filter(&query, service.now()) else { return StatusCode::BAD_REQUEST.into_response() };
    match stored(&service, move |store, _| store.events(&filter)).await {
        Ok(events) => html_page(StatusCode::OK, pages::event_rows(&events)),
        Err(response) => response,
    }
}

/// What the overview shows.
struct Overview {
    counts: Vec<(TicketState, i64)>,
    days: Vec<formrobot_store::overview::DayCount>,
    decisions: Vec<i64>,
    errors: Vec<(String, i64)>,
    declines: Vec<(String, i64)>,
    rechecked: usize,
    now: i64,
}

/// Days the per-day chart shows; days the decisions and reasons are counted over.
const DAYS_SHOWN: i64 = 30;
/// The most rejected forms read again to count their errors.
const REJECTIONS_READ: usize = 300;

fn gather_overview(store: &formrobot_store::Store, service: &Service) -> Result<Overview, StoreError> {
    let now = service.now();
    let today = now.div_euclid(86_400);
    let since = (today - DAYS_SHOWN + 1) * 86_400;
    let counts = store.state_counts()?;
    let days = store.submissions_per_day(since)?;
    let decisions = store.decisions(since)?.into_iter().map(|d| d.seconds).collect();
    // The store keeps mails, not their errors: the newest rejected forms are read again.
    let rejected = store.rejected_submissions(since, REJECTIONS_READ)?;
    let mut by_attribute: BTreeMap<String, i64> = BTreeMap::new();
    for raw in &rejected {
        let mail = intake::read_mail(raw);
        let text = mail.text.as_deref().unwrap_or("");
        let checked = check_text_under(text, &service.forms, Date::from_unix_seconds(now), &service.settings.policy);
        for error in checked.errors() {
            let reason = match &error.attribute {
                Some(attribute) => format!("{attribute}:"),
                None => "the form as a whole".to_owned(),
            };
            *by_attribute.entry(reason).or_default() += 1;
        }
    }
    let mut errors: Vec<(String, i64)> = by_attribute.into_iter().collect();
    errors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    errors.truncate(10);
    let declines = store.decline_reasons(since, 10)?;
    Ok(Overview { counts, days, decisions, errors, declines, rechecked: rejected.len(), now })
}

async fn overview(State(service): State<Arc<Service>>, headers: HeaderMap) -> Response {
    let session = match session(&service, &headers).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    match stored(&service, |store, service| gather_overview(store, service)).await {
        Ok(data) => {
            let viewer = Viewer { operator: &session.operator, csrf: &session.csrf };
            html_page(StatusCode::OK, overview_page(&viewer, &data))
        }
        Err(response) => response,
    }
}

fn overview_page(viewer: &Viewer<'_>, data: &Overview) -> Markup {
    let today = data.now.div_euclid(86_400);
    let first = today - DAYS_SHOWN + 1;
    let labels: Vec<String> = (first..=today)
        .map(|day| Date::from_unix_seconds(day * 86_400).to_string().get(5..).unwrap_or("").to_owned())
        .collect();
    let per_day = |pick: fn(&formrobot_store::overview::DayCount) -> i64| -> Vec<i64> {
        (first..=today).map(|day| data.days.iter().find(|d| d.day == day).map_or(0, pick)).collect()
    };
    let series = [
        charts::Series { name: "received", class: "c-received", values: per_day(|d| d.received) },
        charts::Series { name: "accepted", class: "c-accepted", values: per_day(|d| d.accepted) },
        charts::Series { name: "rejected", class: "c-rejected", values: per_day(|d| d.rejected) },
    ];
    let buckets: Vec<String> = charts::DECISION_BUCKETS.iter().map(|(_, label)| (*label).to_owned()).collect();
    let histogram = [charts::Series {
        name: "tickets decided",
        class: "c-decided",
        values: charts::bucket_counts(&data.decisions),
    }];
    let open: i64 = data.counts.iter().filter(|(state, _)| !state.is_closed()).map(|(_, n)| n).sum();
    let body = html! {
        h1 { "Overview" }
        section aria-labelledby="by-state" {
            h2 #by-state { "Tickets by state" }
            p { (open) " open ticket(s)." }
            ul.counts #counts {
                @for (state, count) in &data.counts {
                    li { a href={"/console/?state=" (state)} { span class={"state s-" (state)} { (state) } } " " strong { (count) } }
                }
            }
        }
        section aria-labelledby="per-day" {
            h2 #per-day { "Requests per day" }
            (charts::bars(&format!("Submissions received, accepted and rejected per day, the last {DAYS_SHOWN} days"), &labels, &series))
        }
        section aria-labelledby="decisions" {
            h2 #decisions { "Time from the first mail to the decision" }
            (charts::bars(&format!("Tickets approved, declined or forwarded in the last {DAYS_SHOWN} days, by how long it took"), &buckets, &histogram))
        }
        section aria-labelledby="reasons" {
            h2 #reasons { "Top reasons for rejection" }
            (charts::horizontal(
                &format!("Errors in the {} newest rejected forms of the last {DAYS_SHOWN} days, by attribute", data.rechecked),
                &data.errors,
                "c-rejected",
            ))
            @if !data.declines.is_empty() {
                (charts::horizontal("Reasons hostmasters gave for declining", &data.declines, "c-declined"))
            }
        }
    };
    pages::layout("Overview", Section::Overview, Some(viewer), body)
}

/// A limiter's key space, kept apart from others of the same limiter.
pub(crate) fn client(address: &str) -> String {
    format!("address:{address}")
}
