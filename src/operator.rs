//! What hostmasters do with tickets: the queue, a ticket's whole story, and
//! the actions `ask`, `approve` and `decline`. This is the ONE code path of
//! every front end (the command line today, a web console later): each
//! action checks the ticket's state, changes it, writes to the requester and
//! records who did it, in one store transaction (`Store::review`), or, when
//! anything is refused, changes nothing.

use crate::config::RegistryConfig;
use crate::pipeline::{outgoing, Settings};
use formrobot_api::objects::{asn_request_from_objects, first_person_name, Defaults};
use formrobot_api::{ApiError, RequestType};
use formrobot_engine::check::check_text_under;
use formrobot_engine::date::Date;
use formrobot_engine::diagnostic::Diagnostic;
use formrobot_engine::dialect::Dialect;
use formrobot_engine::extract;
use formrobot_engine::forms::FormSet;
use formrobot_engine::outcome::Status;
use formrobot_engine::register::{self, asn_text, Completion, ObjectText, RegisterError};
use formrobot_engine::validate::registry_policy::RegistryPolicy;
use formrobot_mail::intake::{self, Headers};
use formrobot_mail::reply::{self, ReplySettings, SubjectStatus};
use formrobot_store::api::api_key_of_origin;
use formrobot_store::query::TicketDetail;
use formrobot_store::review::{QueueRow, Review};
use formrobot_store::{EventKind, EventLevel, Store, StoreError, TicketState};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why an operator's action was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// The store refused (unknown ticket, wrong state, no free AS number) or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The objects could not be completed for the registry.
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// The ticket holds no accepted request to approve.
    #[error("ticket {0} holds no accepted request")]
    NoRequest(String),
    /// There is nobody to write to (the request came without a usable address).
    #[error("ticket {0} has no requester address to write to")]
    NoRequester(String),
    /// A text the action needs is empty.
    #[error("the {0} must not be empty")]
    Empty(&'static str),
    /// The robot assigns AS numbers only; address space is the upstream's or a hostmaster's by hand.
    #[error(
        "ticket {ticket} asks for address space ({request_type}), which this robot does not assign: \
         forward it to the upstream registry (formrobot forward) or decline it"
    )]
    NotAssignable {
        /// The ticket.
        ticket: String,
        /// What it asks for.
        request_type: String,
    },
    /// Looking up the registry for the form's references failed.
    #[error("looking up the registry failed: {0}")]
    Lookup(String),
    /// The ticket's request cannot be written as the API's payload.
    #[error("ticket {ticket}: {why}")]
    NoPayload {
        /// The ticket.
        ticket: String,
        /// Why.
        why: String,
    },
}

impl OperatorError {
    /// Whether the action was refused for what was asked (exit 1), not a failure of the database.
    pub fn is_refusal(&self) -> bool {
        match self {
            OperatorError::Store(error) => {
                matches!(error, StoreError::NoSuchTicket(_) | StoreError::WrongState { .. } | StoreError::Asn(_))
            }
            OperatorError::Lookup(_) => false,
            _ => true,
        }
    }
}

/// What an action did, for the operator (and `--json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionReport {
    /// The ticket's tag.
    pub ticket: String,
    /// Its state after the action.
    pub state: TicketState,
    /// The AS numbers assigned (approval).
    pub asns: Vec<String>,
    /// Handles released (decline).
    pub handles_released: Vec<String>,
    /// The mail queued to the requester.
    pub mail: Option<MailSummary>,
}

/// A mail queued to the requester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailSummary {
    /// Its recipient.
    pub to: String,
    /// Its subject.
    pub subject: String,
    /// Its body.
    pub body: String,
}

/// The open tickets (or those in `state`), oldest first; with `search`, only
/// those whose tag, requester, as-name or a handle contains it.
pub fn queue(store: &Store, state: Option<TicketState>, search: Option<&str>) -> Result<Vec<QueueRow>, OperatorError> {
    Ok(store.queue_matching(state, search)?)
}

/// Asks the requester `message`; the ticket waits for the answer, which moves it back to review.
pub fn ask(
    store: &mut Store,
    settings: &Settings,
    tag: &str,
    operator: &str,
    message: &str,
    now: i64,
) -> Result<ActionReport, OperatorError> {
    let message = non_empty(message, "question")?;
    let mut review = store.review(tag, operator, now)?;
    review.require(
        &[TicketState::PendingReview, TicketState::WaitingForRequester],
        "pending-review or waiting-for-requester",
    )?;
    review.log(EventKind::QuestionAsked, message)?;
    if review.state() != TicketState::WaitingForRequester {
        review.move_to(TicketState::WaitingForRequester)?;
    }
    let body = reply::question(review.tag(), message);
    let mail = mail_requester(&review, settings, SubjectStatus::Question, body, now)?;
    finish(review, Vec::new(), Vec::new(), mail)
}

/// Declines the request for `reason`; the handles it holds are released.
pub fn decline(
    store: &mut Store,
    settings: &Settings,
    tag: &str,
    operator: &str,
    reason: &str,
    now: i64,
) -> Result<ActionReport, OperatorError> {
    let reason = non_empty(reason, "reason")?;
    let mut review = store.review(tag, operator, now)?;
    review.require(
        &[TicketState::Rejected, TicketState::PendingReview, TicketState::WaitingForRequester],
        "open (rejected, pending-review or waiting-for-requester)",
    )?;
    review.log(EventKind::Declined, reason)?;
    let released = review.release_handles("the request was declined")?;
    review.move_to(TicketState::Declined)?;
    let body = reply::decline(review.tag(), reason, &released);
    let mail = mail_requester(&review, settings, SubjectStatus::Declined, body, now)?;
    finish(review, Vec::new(), released, mail)
}

/// What approving asks besides the ticket.
#[derive(Debug, Clone, Copy, Default)]
pub struct Approval<'a> {
    /// The AS number to assign, instead of the lowest free one.
    pub asn: Option<u32>,
    /// A note to the requester.
    pub note: Option<&'a str>,
}

/// Approves the request: assigns its AS numbers, completes and registers its
/// objects, and sends the requester the final mail.
pub fn approve(
    store: &mut Store,
    settings: &Settings,
    registry: &RegistryConfig,
    tag: &str,
    operator: &str,
    approval: Approval<'_>,
    now: i64,
) -> Result<ActionReport, OperatorError> {
    let mut review = store.review(tag, operator, now)?;
    review.require(
        &[TicketState::PendingReview, TicketState::WaitingForRequester],
        "pending-review or waiting-for-requester",
    )?;
    if let Some(request_type) = review.request_type().filter(|t| *t != RequestType::AsnAssignment.name()) {
        let (ticket, request_type) = (review.tag().to_owned(), request_type.to_owned());
        return Err(OperatorError::NotAssignable { ticket, request_type });
    }
    let objects = review.objects()?;
    if objects.is_empty() {
        return Err(OperatorError::NoRequest(review.tag().to_owned()));
    }
    let requester = review.requester().ok_or_else(|| OperatorError::NoRequester(review.tag().to_owned()))?.to_owned();
    let dialect = dialect_of(review.dialect());
    let texts: Vec<ObjectText<'_>> = objects.iter().map(|(class, text)| ObjectText { class, text }).collect();
    let count = register::numbers_needed(dialect, &texts);
    let asns = review.assign_asns(&registry.asn_pools, count, approval.asn)?;
    let source = registry.source.as_deref().unwrap_or(dialect.source_name());
    let completion =
        Completion { dialect, asns: &asns, requester: &requester, today: Date::from_unix_seconds(now), source };
    let completed = register::complete(&texts, &completion)?;
    review.register(&completed)?;
    let numbers: Vec<String> = asns.iter().map(|asn| asn_text(*asn)).collect();
    let note = approval.note.map(str::trim).filter(|note| !note.is_empty());
    review.log(
        EventKind::Approved,
        &format!("{}{}", numbers.join(", "), note.map(|n| format!(": {n}")).unwrap_or_default()),
    )?;
    review.move_to(TicketState::Approved)?;
    let registered = reply::Registered { asns: &numbers, objects: &completed };
    let body = reply::approval(review.tag(), &registered, note);
    let mail = mail_requester(&review, settings, SubjectStatus::Approved, body, now)?;
    finish(review, numbers, Vec::new(), mail)
}

/// The dialect a ticket stores by name (`APNIC-038`, `RIPE-228`).
fn dialect_of(stored: &str) -> Dialect {
    if stored.to_ascii_uppercase().starts_with("APNIC") {
        Dialect::Apnic
    } else {
        Dialect::Ripe
    }
}

fn non_empty<'a>(text: &'a str, what: &'static str) -> Result<&'a str, OperatorError> {
    Some(text.trim()).filter(|t| !t.is_empty()).ok_or(OperatorError::Empty(what))
}

/// Queues `body` to the requester, threaded under their latest mail on the ticket, tag in the subject.
fn mail_requester(
    review: &Review<'_>,
    settings: &Settings,
    status: SubjectStatus,
    body: String,
    now: i64,
) -> Result<MailSummary, OperatorError> {
    let no_requester = || OperatorError::NoRequester(review.tag().to_owned());
    let to = review.requester().ok_or_else(no_requester)?;
    let last = review.last_requester_mail()?.ok_or_else(no_requester)?;
    // A request made through the API is JSON, not a mail: there are no headers to answer.
    let (headers, about) = match review.request_type() {
        Some(request_type) if api_key_of_origin(&last.origin).is_some() => {
            (Headers::default(), format!("{request_type} request"))
        }
        _ => {
            let headers = intake::read_headers(&last.raw);
            let about = headers.subject.clone();
            (headers, about)
        }
    };
    let subject = reply::subject(&about, status, Some(review.tag()));
    let reply_settings = ReplySettings { robot_address: settings.robot_address.clone() };
    let mail = outgoing(reply::compose(&reply_settings, &headers, to, subject, body, now)).ok_or_else(no_requester)?;
    review.queue_mail(last.message, &mail)?;
    Ok(MailSummary { to: mail.to, subject: mail.subject, body: mail.body })
}

fn finish(
    review: Review<'_>,
    asns: Vec<String>,
    handles_released: Vec<String>,
    mail: MailSummary,
) -> Result<ActionReport, OperatorError> {
    let report = ActionReport {
        ticket: review.tag().to_owned(),
        state: review.state(),
        asns,
        handles_released,
        mail: Some(mail),
    };
    review.commit()?;
    Ok(report)
}

/// Writes the registry as an RPSL dump to `out`; `public` filters `auth:`
/// hashes as public registry dumps do. Returns how many objects were written.
pub fn export(store: &Store, out: &mut dyn std::io::Write, public: bool) -> Result<u64, OperatorError> {
    let shown = |text: &str| if public { register::public_text(text) } else { text.to_owned() };
    Ok(store.export_dump(out, &shown)?)
}

/// A mail of a ticket, in or out, as operators read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketMail {
    /// `in` (from the requester) or `out` (from the robot or a hostmaster).
    pub direction: &'static str,
    /// When it was received or queued, Unix seconds.
    pub date: i64,
    /// Who sent it (in) or whom it went to (out).
    pub address: Option<String>,
    /// Its subject.
    pub subject: String,
    /// Its text, passwords and `auth:` hashes masked.
    pub body: String,
}

/// Everything about a ticket, its whole correspondence included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketView {
    /// What the store records of it (`state`, mails' metadata, objects, handles, events).
    #[serde(flatten)]
    pub detail: TicketDetail,
    /// The AS numbers assigned to it.
    pub asns: Vec<String>,
    /// Every mail in and out, in order.
    pub mails: Vec<TicketMail>,
}

/// `text` with passwords and `auth:` hashes masked, line by line.
fn masked(text: &str) -> String {
    let mut masker = reply::SecretMasker::new();
    text.lines().map(|line| format!("{}\n", masker.line(line))).collect()
}

/// A request's JSON body as operators read it: indented, each document's
/// base64 content replaced by its size (the documents are kept as the ticket's attachments).
fn api_body_for_operators(raw: &[u8]) -> String {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(raw) else {
        return String::from_utf8_lossy(raw).into_owned();
    };
    if let Some(attachments) = value.pointer_mut("/requestContent/attachments").and_then(|a| a.as_array_mut()) {
        for attachment in attachments {
            if let Some(content) = attachment.get_mut("content") {
                let size = content.as_str().map_or(0, str::len);
                *content = serde_json::Value::String(format!("({size} characters of base64, kept as an attachment)"));
            }
        }
    }
    serde_json::to_string_pretty(&value).map_or_else(|_| String::from_utf8_lossy(raw).into_owned(), |text| text + "\n")
}

/// The most lines of a request shown as received; the rest are counted.
pub const MAX_LINES_SHOWN: usize = 2_000;

/// A line of a request as received, with the problems found on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatedLine {
    /// Its number in the mail's text, as in the reply.
    pub number: usize,
    /// Its text, passwords and `auth:` hashes masked.
    pub text: String,
    /// The problems found on it.
    pub problems: Vec<Diagnostic>,
}

/// A ticket's latest request as it came, checked again as the robot checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// When it came, Unix seconds.
    pub at: i64,
    /// Who sent it.
    pub from: Option<String>,
    /// A mailed form: its verdict now, the problems without a line, and its lines with their problems.
    pub form: Option<AnnotatedForm>,
    /// A request through the API: its JSON body, indented, documents replaced by their sizes.
    pub api_body: Option<String>,
}

/// A form with every problem under its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatedForm {
    /// Whether it has errors.
    pub status: Status,
    /// Problems with the form as a whole.
    pub general: Vec<Diagnostic>,
    /// Its lines (at most [`MAX_LINES_SHOWN`]).
    pub lines: Vec<AnnotatedLine>,
    /// How many lines are not shown, and how many problems they hold.
    pub not_shown: (usize, usize),
}

/// Checks `text` as the robot does on `today` (the engine, `[policy]`, the
/// registry's references) and places each problem under its line.
pub fn annotate(
    store: &Store,
    forms: &FormSet,
    policy: &RegistryPolicy,
    text: &str,
    today: Date,
) -> Result<AnnotatedForm, OperatorError> {
    let mut checked = check_text_under(text, forms, today, policy);
    checked.check_references(store).map_err(|e| OperatorError::Lookup(e.to_string()))?;
    let frame = extract::Frame::new(text);
    let mut by_line: BTreeMap<usize, Vec<Diagnostic>> = BTreeMap::new();
    let mut general = Vec::new();
    for diagnostic in &checked.diagnostics {
        match diagnostic.line.filter(|&line| frame.holds(line)) {
            Some(line) => by_line.entry(line).or_default().push(diagnostic.clone()),
            None => general.push(diagnostic.clone()),
        }
    }
    let mut masker = reply::SecretMasker::new();
    let mut lines = Vec::new();
    let mut not_shown = (0, 0);
    for line in frame.lines() {
        // The masker reads every line: a secret's continuation lines follow it.
        let text = masker.line(line.text.trim_end());
        let problems = by_line.remove(&line.number).unwrap_or_default();
        if lines.len() < MAX_LINES_SHOWN {
            lines.push(AnnotatedLine { number: line.number, text: text.into_owned(), problems });
        } else {
            not_shown = (not_shown.0 + 1, not_shown.1 + problems.len());
        }
    }
    general.extend(by_line.into_values().flatten());
    Ok(AnnotatedForm { status: checked.status(), general, lines, not_shown })
}

/// Ticket `tag`'s latest request as received (the mail with templates, or
/// the API request), checked again with the policy and registry of now.
pub fn request_as_received(
    store: &Store,
    forms: &FormSet,
    settings: &Settings,
    tag: &str,
) -> Result<Option<ReceivedRequest>, OperatorError> {
    let Some(stored) = store.latest_submission(tag)? else { return Ok(None) };
    if stored.origin.as_deref().and_then(api_key_of_origin).is_some() {
        let body = api_body_for_operators(&stored.raw);
        return Ok(Some(ReceivedRequest { at: stored.at, from: stored.address, form: None, api_body: Some(body) }));
    }
    let mail = intake::read_mail(&stored.raw);
    let text = mail.text.as_deref().unwrap_or("");
    let form = annotate(store, forms, &settings.policy, text, Date::from_unix_seconds(stored.at))?;
    Ok(Some(ReceivedRequest { at: stored.at, from: stored.address, form: Some(form), api_body: None }))
}

/// The ticket `tag` with its AS numbers and its correspondence.
pub fn show(store: &Store, tag: &str) -> Result<TicketView, OperatorError> {
    let detail = store.ticket(tag)?;
    let asns = store.ticket_asns(&detail.tag)?.into_iter().map(asn_text).collect();
    let mails = store
        .ticket_mails(&detail.tag)?
        .into_iter()
        .map(|stored| {
            let direction = if stored.outgoing { "out" } else { "in" };
            if let Some(key) = stored.origin.as_deref().and_then(api_key_of_origin) {
                return TicketMail {
                    direction,
                    date: stored.at,
                    address: stored.address,
                    subject: format!("(a request through the Resource Request API, key {key})"),
                    body: api_body_for_operators(&stored.raw),
                };
            }
            let mail = intake::read_mail(&stored.raw);
            TicketMail {
                direction,
                date: stored.at,
                address: stored.address,
                subject: mail.headers.subject,
                body: masked(mail.text.as_deref().unwrap_or("")),
            }
        })
        .collect();
    Ok(TicketView { detail, asns, mails })
}

/// The request of ticket `tag` as the Resource Request API's payload: the
/// body it came with, for a ticket opened through the API; for a mailed one,
/// its accepted objects as an `AsnAssignment` (`defaults` fill in what a
/// mailed form does not ask).
pub fn request_payload(store: &Store, tag: &str, defaults: &Defaults) -> Result<serde_json::Value, OperatorError> {
    let request = store.ticket_request(tag)?;
    let no_payload = |why: String| OperatorError::NoPayload { ticket: request.tag.clone(), why };
    if let Some(body) = &request.api_body {
        return serde_json::from_slice(body).map_err(|e| no_payload(format!("its stored request is not JSON: {e}")));
    }
    if !request.state.has_accepted_request() || request.objects.is_empty() {
        return Err(no_payload("it holds no accepted request".to_owned()));
    }
    let email = request.requester.clone().ok_or_else(|| OperatorError::NoRequester(request.tag.clone()))?;
    let name = first_person_name(&request.objects).unwrap_or_else(|| email.clone());
    let payload = asn_request_from_objects(&request.objects, &name, &email, defaults)
        .map_err(|error| no_payload(error.to_string()))?;
    serde_json::to_value(payload).map_err(|e| no_payload(e.to_string()))
}

/// How passing a request on to the upstream registry ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardOutcome {
    /// It took the request (HTTP status, its answer).
    Taken(u16, String),
    /// It refused the request, with these errors (HTTP status, errors, its answer).
    Refused(u16, Vec<ApiError>, String),
    /// It could not be reached (what happened).
    Unreachable(String),
}

/// Refuses a forward unless ticket `tag` is open for review; nothing is changed.
pub fn check_forwardable(store: &mut Store, tag: &str, operator: &str, now: i64) -> Result<(), OperatorError> {
    let review = store.review(tag, operator, now)?;
    review.require(FORWARDABLE, "pending-review or waiting-for-requester")?;
    Ok(())
}

const FORWARDABLE: &[TicketState] = &[TicketState::PendingReview, TicketState::WaitingForRequester];

/// Records how passing ticket `tag` on ended: taken moves it to `forwarded`;
/// a refusal or a transport failure is logged and the ticket stays as it was,
/// its request kept, to be corrected or tried again.
pub fn record_forward(
    store: &mut Store,
    tag: &str,
    operator: &str,
    outcome: &ForwardOutcome,
    now: i64,
) -> Result<TicketState, OperatorError> {
    let mut review = store.review(tag, operator, now)?;
    review.require(FORWARDABLE, "pending-review or waiting-for-requester")?;
    match outcome {
        ForwardOutcome::Taken(status, answer) => {
            review.log(EventKind::Forwarded, &format!("HTTP {status}: {}", crate::upstream::shortened(answer)))?;
            review.move_to(TicketState::Forwarded)?;
        }
        ForwardOutcome::Refused(status, errors, answer) => {
            let listed: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.path, e.msg)).collect();
            let details = if listed.is_empty() { crate::upstream::shortened(answer) } else { listed.join("; ") };
            review.log_at(EventLevel::Warn, EventKind::ForwardRejected, &format!("HTTP {status}: {details}"))?;
        }
        ForwardOutcome::Unreachable(why) => {
            review.log_at(EventLevel::Warn, EventKind::ForwardFailed, why)?;
        }
    }
    let state = review.state();
    review.commit()?;
    Ok(state)
}
