//! The Resource Request API's core: one request through the same stages as a
//! mail, for `formrobot serve` (and any other front end).
//!
//! 1. intake: the body is size-limited by the server and read as JSON here;
//! 2. decide: the key must be a live one ([`authenticate`]);
//! 3. validate: `formrobot-api` checks the payload with the form engine's
//!    syntax classes and policy parser, the registry's `[policy]`, and the
//!    registry in the store;
//! 4. resolve: the request becomes the objects it will create
//!    (`formrobot_api::objects::render`);
//! 5. record and reply: one store transaction keeps the body, opens a
//!    `pending-review` ticket in the same queue as mailed requests, keeps the
//!    documents and queues the acknowledgement to the contact and the
//!    additional addresses.
//!
//! Nothing here knows HTTP: results are [`ApiFailure`]s, which the server
//! turns into status codes.

use crate::config::RegistryConfig;
use crate::pipeline::{outgoing, Settings};
use base64::Engine as _;
use formrobot_api::objects::render;
use formrobot_api::request::RequestContent;
use formrobot_api::validate::Rejection;
use formrobot_api::{validate, ApiError, ErrorBody, RequestType, ResourceRequest};
use formrobot_engine::date::Date;
use formrobot_engine::dialect::Dialect;
use formrobot_mail::intake::Headers;
use formrobot_mail::reply::{self, ReplySettings, SubjectStatus};
use formrobot_store::api::{ApiKey, ApiRequest, ApiTicket};
use formrobot_store::record::AttachmentRef;
use formrobot_store::{Store, StoreError};
use std::collections::BTreeSet;

/// Why a request was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ApiFailure {
    /// No key, or one that is not live.
    #[error("a valid API key is required")]
    Unauthorized,
    /// The request has problems: every one of them, with its path.
    #[error("the request has {} problem(s)", .0.errors.len())]
    Invalid(ErrorBody),
    /// No ticket of that tag was opened with this key.
    #[error("no such ticket")]
    NotFound,
    /// The store or a registry lookup failed: nobody's fault in the request.
    #[error("the request could not be processed now: {0}")]
    Unavailable(String),
}

impl From<StoreError> for ApiFailure {
    fn from(error: StoreError) -> ApiFailure {
        ApiFailure::Unavailable(error.to_string())
    }
}

/// A request taken: its new ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The ticket's tag.
    pub ticket: String,
    /// Who the acknowledgement was queued to (comma-separated), if anyone.
    pub acknowledged: Option<String>,
}

/// The live key `given`, or [`ApiFailure::Unauthorized`].
pub fn authenticate(store: &Store, given: Option<&str>) -> Result<ApiKey, ApiFailure> {
    let Some(given) = given.map(str::trim).filter(|key| !key.is_empty()) else {
        return Err(ApiFailure::Unauthorized);
    };
    store.api_key(given)?.ok_or(ApiFailure::Unauthorized)
}

/// Takes `body` as a request of `kind` (its endpoint's), made with `key` at `now`.
pub fn submit(
    store: &mut Store,
    settings: &Settings,
    registry: &RegistryConfig,
    kind: RequestType,
    body: &[u8],
    key: &ApiKey,
    now: i64,
) -> Result<Taken, ApiFailure> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| ApiFailure::Invalid(ErrorBody::single(format!("the body is not valid JSON ({error})"))))?;
    let request = validate(kind, &value, &settings.policy, &*store).map_err(|rejection| match rejection {
        Rejection::Invalid(errors) => ApiFailure::Invalid(ErrorBody { errors }),
        Rejection::Lookup(error) => ApiFailure::Unavailable(format!("looking up the registry failed: {error}")),
    })?;
    let source = registry.source.as_deref().unwrap_or(Dialect::Ripe.source_name());
    let objects = render(&request, Date::from_unix_seconds(now), source);
    let documents = decoded_attachments(&request);
    let attachments: Vec<AttachmentRef<'_>> = documents
        .iter()
        .map(|(name, content)| AttachmentRef {
            filename: Some(name.as_str()),
            content_type: "application/octet-stream",
            content,
        })
        .collect();
    let recipients = request.recipients().join(",");
    let (as_name, neighbours) = summary(&request);
    let recording = ApiRequest {
        raw: body,
        key,
        request_type: kind.name(),
        dialect: &Dialect::Ripe.to_string(),
        contact: &request.contact_person_email,
        recipients: &recipients,
        objects: &objects,
        as_name: as_name.as_deref(),
        neighbours,
        attachments: &attachments,
    };
    let texts: Vec<String> = objects.iter().map(|(_, text)| text.clone()).collect();
    let reply_settings = ReplySettings { robot_address: settings.robot_address.clone() };
    let compose = |ticket: &str| {
        let subject = reply::subject(&format!("{} request", kind.name()), SubjectStatus::Accepted, Some(ticket));
        let body = reply::api_acknowledgement(ticket, kind.name(), &request.contact_person_name, &texts);
        outgoing(reply::compose(&reply_settings, &Headers::default(), &recipients, subject, body, now))
    };
    let recorded = store.record_api_request(&recording, now, compose)?;
    Ok(Taken { ticket: recorded.ticket, acknowledged: recorded.acknowledgement.map(|mail| mail.to) })
}

/// The ticket `tag` as `key` may see it.
pub fn status(store: &Store, tag: &str, key: &ApiKey) -> Result<ApiTicket, ApiFailure> {
    store.api_ticket(tag, key)?.ok_or(ApiFailure::NotFound)
}

/// The documents of a request, decoded (validation made sure they decode).
fn decoded_attachments(request: &ResourceRequest) -> Vec<(String, Vec<u8>)> {
    let attachments = match &request.request_content {
        RequestContent::Asn(asn) => &asn.attachments,
        RequestContent::Ipv6Pi(pi) => &pi.attachments,
        RequestContent::FirstAllocation(_) => return Vec::new(),
    };
    attachments
        .iter()
        .filter_map(|attachment| {
            let content = base64::engine::general_purpose::STANDARD.decode(attachment.content.trim()).ok()?;
            Some((attachment.file_name.clone(), content))
        })
        .collect()
}

/// What the queue shows of a request: the as-name and the distinct neighbours.
fn summary(request: &ResourceRequest) -> (Option<String>, i64) {
    match &request.request_content {
        RequestContent::Asn(asn) => {
            let neighbours: BTreeSet<String> =
                asn.peering_partners.iter().map(|p| p.asn.trim().to_ascii_uppercase()).collect();
            (Some(asn.asn_name.clone()), i64::try_from(neighbours.len()).unwrap_or(i64::MAX))
        }
        _ => (None, 0),
    }
}

/// The JSON error body for a failure that is not a list of problems.
pub fn error_body(failure: &ApiFailure) -> ErrorBody {
    match failure {
        ApiFailure::Invalid(body) => body.clone(),
        other => {
            ErrorBody { errors: vec![ApiError { path: formrobot_api::json::ROOT.to_owned(), msg: other.to_string() }] }
        }
    }
}
