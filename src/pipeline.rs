//! The whole pipeline for one mail, shared by `process`, `replay` and the daemon.
//! Its stages, numbered as in ARCHITECTURE.md and in each stage's module docs:
//!
//! 1. intake and 2. decide (`formrobot-mail`);
//! 3. extract, 4. parse, 5. validate (`formrobot-engine`), then the registry
//!    references, looked up in the store;
//! 6. resolve (`formrobot-engine`) and 7. record (`formrobot-store`): handles
//!    are claimed inside the recording transaction;
//! 8. reply (`formrobot-mail`), composed inside that transaction too, because
//!    it names the ticket and the handles only the store knows.
//!
//! The store is the only thing here that touches the outside world, and it is
//! handed in; the time is an argument.

use crate::config::Config;
use formrobot_engine::check::{check_text_under, Checked};
use formrobot_engine::date::Date;
use formrobot_engine::diagnostic::Diagnostic;
use formrobot_engine::forms::FormSet;
use formrobot_engine::outcome::{Outcome, Problem, ReplySummary, Status};
use formrobot_engine::validate::registry_policy::RegistryPolicy;
use formrobot_mail::decide::{self, Decision, Refusal};
use formrobot_mail::intake::{self, Headers, Mail};
use formrobot_mail::reply::{self, ReplySettings, SubjectStatus};
use formrobot_mail::thread;
use formrobot_store::record::{
    AttachmentRef, Citations, Commit, FollowUp, ImapKey, IncomingMail, MessageOutcome, Outgoing, Recorded,
    ReplyContext, ReplyLimit, Verdict,
};
use formrobot_store::{Store, StoreError};
use std::collections::BTreeMap;

/// What the pipeline needs to know about the robot.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The robot's own address.
    pub robot_address: String,
    /// Mails larger than this are refused unread.
    pub max_message_bytes: u64,
    /// Replies one sender may receive per hour.
    pub replies_per_sender_per_hour: u32,
    /// What the registry asks of every request (`[policy]`).
    pub policy: RegistryPolicy,
}

impl Settings {
    /// The settings a configuration file gives.
    pub fn from_config(config: &Config) -> Settings {
        Settings {
            robot_address: config.robot_address().to_owned(),
            max_message_bytes: config.max_message_bytes,
            replies_per_sender_per_hour: config.replies_per_sender_per_hour,
            policy: config.policy.clone(),
        }
    }
}

/// Why a mail could not be processed; the mail should be tried again later.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Looking up the registry failed.
    #[error("looking up the registry failed: {0}")]
    Lookup(String),
}

/// What became of one mail.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The JSON outcome.
    pub outcome: Outcome,
    /// The reply queued, if any.
    pub reply: Option<Outgoing>,
    /// What was stored.
    pub recorded: Recorded,
}

/// Where a mail came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin<'a> {
    /// Standard input of `formrobot process`, from an MTA.
    Process,
    /// A file replayed by `formrobot replay`, by its label.
    Replay(&'a str),
    /// A message in the daemon's IMAP mailbox.
    Imap(ImapKey),
}

impl Origin<'_> {
    /// How the origin is written in the log.
    pub fn label(&self) -> String {
        match self {
            Origin::Process => "process".to_owned(),
            Origin::Replay(label) => format!("replay:{label}"),
            Origin::Imap(key) => format!("imap:{}/{}/{}", key.mailbox, key.uidvalidity, key.uid),
        }
    }
}

/// What the pure stages make of one mail before the store is asked anything:
/// intake, decide, the form engine's check without the registry's references,
/// and what identifies the mail and whom it cites. Made by [`prepare`], which
/// touches nothing outside, so that a caller may prepare the next mails on
/// another thread while the store records this one ([`record`]).
#[derive(Debug)]
pub struct Prepared {
    /// The raw mail it was made from, which [`record`] stores: kept here so
    /// that no caller can record one mail with another's check.
    raw: Vec<u8>,
    /// When the mail was received.
    received: i64,
    mail: Mail,
    decision: Decision,
    /// The form engine's check, for a submission; its registry references are looked up by [`record`].
    checked: Option<Checked>,
    /// The lines of the mail's text, when it has more than [`MAX_FORM_LINES`] (the rest was not read).
    total_lines: Option<usize>,
    /// What identifies the mail whatever its trace headers (`intake::identity`).
    identity: String,
    /// Whom it cites: ticket tags, Message-IDs it answers.
    citations: thread::Citations,
}

impl Prepared {
    /// The raw mail, as received.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }
}

/// Processes one raw mail received at `now` from `origin`: [`prepare`], then [`record`].
///
/// A message from IMAP is marked as seen in the same transaction that records it.
pub fn process_mail(
    store: &mut Store,
    forms: &FormSet,
    settings: &Settings,
    raw: Vec<u8>,
    origin: &Origin<'_>,
    now: i64,
    commit: Commit,
) -> Result<Processed, PipelineError> {
    let prepared = prepare(forms, settings, raw, now);
    record(store, forms, settings, prepared, origin, commit)
}

/// Stages 1 to 5 for one raw mail received at `now`, without the store: pure,
/// so any thread may run it.
pub fn prepare(forms: &FormSet, settings: &Settings, raw: Vec<u8>, now: i64) -> Prepared {
    let size = raw.len() as u64;
    let mail = if size > settings.max_message_bytes {
        // Too large to parse: only the headers are read, to know whom to tell.
        Mail { headers: intake::read_headers(&raw), ..Mail::default() }
    } else {
        intake::read_mail(&raw)
    };
    let decision = if size > settings.max_message_bytes {
        match decide::ignore_reason(&mail.headers, &settings.robot_address) {
            Some(reason) => Decision::Ignore(format!("{reason}; also larger than the limit ({size} bytes)")),
            None => Decision::Refuse(Refusal::TooLarge { size, limit: settings.max_message_bytes }),
        }
    } else {
        decide::decide(&mail, &settings.robot_address)
    };
    let (checked, total_lines) = match decision {
        Decision::Submission => {
            let (checked, total_lines) = check_form(forms, &settings.policy, mail.text.as_deref().unwrap_or(""), now);
            (Some(checked), total_lines)
        }
        _ => (None, None),
    };
    let identity = intake::identity::identity(&raw);
    let citations = thread::citations(&mail.headers);
    Prepared { raw, received: now, mail, decision, checked, total_lines, identity, citations }
}

/// Stages 5 (the registry's references), 6, 7 and 8 for a [`prepare`]d
/// mail: everything that needs the store, in one transaction (or one
/// savepoint of a batch, `Store::begin_batch`).
pub fn record(
    store: &mut Store,
    forms: &FormSet,
    settings: &Settings,
    prepared: Prepared,
    origin: &Origin<'_>,
    commit: Commit,
) -> Result<Processed, PipelineError> {
    let Prepared { raw, received: now, mail, decision, checked, total_lines, identity, citations } = prepared;
    let raw = raw.as_slice();
    let checked = match checked {
        Some(checked) => Some(complete_check(store, &mail, checked, total_lines)?),
        None => None,
    };

    let sender = mail.headers.reply_address().map(str::to_owned);
    let sender_mailboxes = mail.headers.sender_mailboxes();

    let refusal_reason = match &decision {
        Decision::Refuse(refusal) => refusal_message(refusal),
        _ => String::new(),
    };
    let verdict = match (&decision, &checked) {
        (Decision::Ignore(reason), _) => Verdict::Ignored(reason),
        (Decision::Refuse(_), _) => Verdict::Refused(&refusal_reason),
        (Decision::Help, _) => Verdict::Help,
        (Decision::Submission, Some(checked)) if checked.submission.dry_run() => Verdict::DryRun(checked),
        (Decision::Submission, Some(checked)) => Verdict::Submission(checked),
        (Decision::Submission, None) => Verdict::Ignored("nothing to check"),
    };
    let reply_settings = ReplySettings { robot_address: settings.robot_address.clone() };
    let text = mail.text.as_deref().unwrap_or("");
    let compose = |context: &ReplyContext<'_>| -> Option<Outgoing> {
        let to = sender.as_deref()?;
        let (subject, body) = match (&decision, &checked) {
            (Decision::Ignore(_), _) => return None,
            (Decision::Refuse(refusal), _) => {
                (reply::subject(&mail.headers.subject, SubjectStatus::Rejected, None), reply::refusal(refusal))
            }
            (Decision::Help, _) => {
                (reply::subject(&mail.headers.subject, SubjectStatus::Help, None), reply::help(forms))
            }
            (Decision::Submission, Some(checked)) if checked.submission.dry_run() => {
                (reply::subject(&mail.headers.subject, SubjectStatus::DryRun, None), reply::dry_run(checked, text))
            }
            (Decision::Submission, Some(checked)) => {
                let ticket = context.ticket?;
                match context.follow_up {
                    FollowUp::Correspondence => return None,
                    FollowUp::NotRequester => {
                        let subject = reply::subject(&mail.headers.subject, SubjectStatus::Refused, Some(ticket));
                        return outgoing(reply::compose(
                            &reply_settings,
                            &mail.headers,
                            to,
                            subject,
                            reply::not_requester(ticket),
                            now,
                        ));
                    }
                    FollowUp::NewTicket | FollowUp::Resubmission { .. } => {}
                }
                if checked.status() == Status::Accepted {
                    (
                        reply::subject(&mail.headers.subject, SubjectStatus::Accepted, Some(ticket)),
                        reply::acknowledgement(checked, ticket, context.assignments, context.objects),
                    )
                } else {
                    let mut body = reply::rejection(checked, Some(ticket), text);
                    if context.follow_up == (FollowUp::Resubmission { kept_accepted: true }) {
                        body.push('\n');
                        body.push_str(&reply::kept_request(ticket));
                    }
                    (reply::subject(&mail.headers.subject, SubjectStatus::Rejected, Some(ticket)), body)
                }
            }
            (Decision::Submission, None) => return None,
        };
        outgoing(reply::compose(&reply_settings, &mail.headers, to, subject, body, now))
    };
    let origin_label = origin.label();
    let attachments: Vec<AttachmentRef<'_>> = mail
        .attachments
        .iter()
        .map(|a| AttachmentRef { filename: a.filename.as_deref(), content_type: &a.content_type, content: &a.content })
        .collect();
    let incoming = IncomingMail {
        raw,
        message_id: mail.headers.message_id.as_deref(),
        identity: Some(&identity),
        sender: sender.as_deref(),
        origin: &origin_label,
        attachments: &attachments,
        // The store counts and enforces it in the recording transaction, so
        // that concurrent mails from one sender cannot all see room for one more.
        reply_limit: Some(ReplyLimit { mailboxes: &sender_mailboxes, per_hour: settings.replies_per_sender_per_hour }),
        imap: match origin {
            Origin::Imap(key) => Some(key),
            _ => None,
        },
        from: mail.headers.from.as_deref(),
        cites: Citations { tags: &citations.tags, message_ids: &citations.message_ids },
    };
    let recorded = store.record(&incoming, verdict, now, commit, compose)?;
    let outcome = outcome(&recorded, &decision, &refusal_reason, checked.as_ref(), &mail.headers);
    let reply = recorded.reply.clone();
    Ok(Processed { outcome, reply, recorded })
}

/// A composed reply as the store queues it.
pub fn outgoing(reply: Option<reply::Reply>) -> Option<Outgoing> {
    reply.map(|reply| Outgoing {
        to: reply.to,
        subject: reply.subject,
        body: reply.body,
        message: reply.message,
        message_id: reply.message_id,
    })
}

/// Runs the form engine over a submission's text (pure): its first
/// [`MAX_FORM_LINES`] lines, and the count of all lines when there are more.
fn check_form(forms: &FormSet, policy: &RegistryPolicy, text: &str, now: i64) -> (Checked, Option<usize>) {
    // Only the first lines are read as a form: every stage costs a multiple of
    // a form's size per line, and no request needs more.
    let (read, total_lines) = match text.match_indices('\n').nth(MAX_FORM_LINES - 1) {
        Some((end, _)) if end + 1 < text.len() => (&text[..end + 1], Some(text.lines().count())),
        _ => (text, None),
    };
    (check_text_under(read, forms, Date::from_unix_seconds(now), policy), total_lines)
}

/// Checks a [`check_form`]'s references against the registry and adds what
/// the intake noticed about the mail itself.
fn complete_check(
    store: &Store,
    mail: &Mail,
    mut checked: Checked,
    total_lines: Option<usize>,
) -> Result<Checked, PipelineError> {
    checked.check_references(store).map_err(|e| PipelineError::Lookup(e.to_string()))?;
    if let Some(total) = total_lines {
        checked.diagnostics.insert_first(Diagnostic::error(
            None,
            None,
            format!(
                "the mail's text has {total} lines; a request form is read up to line {MAX_FORM_LINES} (a request \
                 needs a few hundred at most), so the rest was not read. Send only the form"
            ),
        ));
    }
    if mail.base64_text {
        checked.diagnostics.insert_first(Diagnostic::warning(
            None,
            None,
            "the form was sent base64-encoded; it was decoded, but please send plain text next time",
        ));
    }
    for attachment in mail.attachments.iter().take(ATTACHMENTS_LISTED) {
        checked.diagnostics.push(Diagnostic::warning(
            None,
            None,
            format!(
                "the attachment {} ({}) was kept with the ticket but not read",
                attachment.filename.as_deref().unwrap_or("without a name"),
                attachment.content_type
            ),
        ));
    }
    if let Some(more) = mail.attachments.len().checked_sub(ATTACHMENTS_LISTED).filter(|more| *more > 0) {
        checked.diagnostics.push(Diagnostic::warning(
            None,
            None,
            format!(
                "{more} more attachment(s) were kept with the ticket but not read ({} attachments in all)",
                mail.attachments.len()
            ),
        ));
    }
    Ok(checked)
}

/// The most lines of a mail's text read as a form.
pub const MAX_FORM_LINES: usize = 50_000;

/// How many attachments are named one by one in the warnings; the others are counted.
const ATTACHMENTS_LISTED: usize = 10;

/// A refusal in one line, for the log and the JSON outcome.
fn refusal_message(refusal: &Refusal) -> String {
    match refusal {
        Refusal::TooLarge { size, limit } => {
            format!("the mail is {size} bytes, more than the limit of {limit} bytes, so it was not read")
        }
        Refusal::HtmlOnly => "the mail holds only HTML; the form must be sent as plain text".to_owned(),
        Refusal::Encrypted => "the mail is encrypted, and the robot cannot read encrypted mail".to_owned(),
        Refusal::Unreadable(problems) => format!("the mail could not be read: {}", problems.join("; ")),
    }
}

/// The JSON outcome of a processed mail.
fn outcome(
    recorded: &Recorded,
    decision: &Decision,
    refusal: &str,
    checked: Option<&Checked>,
    headers: &Headers,
) -> Outcome {
    let mut outcome = match checked {
        Some(checked) => checked.outcome(),
        None => Outcome {
            status: Status::Ignored,
            ticket: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            handles: BTreeMap::new(),
            reply: None,
        },
    };
    outcome.status = match (recorded.outcome, decision) {
        (MessageOutcome::Accepted, _) => Status::Accepted,
        (MessageOutcome::Rejected, _) => Status::Rejected,
        (MessageOutcome::Help, _) => Status::Help,
        (MessageOutcome::Refused | MessageOutcome::NotRequester, _) if headers.reply_address().is_some() => {
            Status::Rejected
        }
        _ => Status::Ignored,
    };
    match recorded.follow_up {
        FollowUp::Correspondence => {
            // A letter, not a form: the engine's complaints about it are not the writer's problem.
            outcome.errors.clear();
            outcome.warnings = vec![Problem {
                line: None,
                attribute: None,
                message: "recorded on the ticket as correspondence for the hostmasters; no reply".to_owned(),
            }];
        }
        FollowUp::NotRequester => {
            outcome.errors = vec![Problem {
                line: None,
                attribute: None,
                message: "the mail cites a ticket but does not come from its requester; nothing was done".to_owned(),
            }];
            outcome.warnings.clear();
        }
        FollowUp::NewTicket | FollowUp::Resubmission { .. } => {}
    }
    match decision {
        Decision::Refuse(_) => {
            outcome.errors.push(Problem { line: None, attribute: None, message: refusal.to_owned() })
        }
        Decision::Ignore(reason) => {
            outcome.warnings.push(Problem { line: None, attribute: None, message: format!("not answered: {reason}") })
        }
        _ => {}
    }
    if let Some(reason) = &recorded.withheld {
        outcome.status = Status::Ignored;
        outcome.warnings.push(Problem { line: None, attribute: None, message: format!("not answered: {reason}") });
    }
    if let Some(original) = recorded.duplicate_of {
        outcome.status = Status::Ignored;
        outcome.warnings.push(Problem {
            line: None,
            attribute: None,
            message: format!("this mail was already received as message #{original}; nothing was done again"),
        });
    }
    outcome.ticket = recorded.ticket.clone();
    outcome.handles = recorded.assignments.iter().map(|a| (a.request.label.clone(), a.handle())).collect();
    outcome.reply = recorded.reply.as_ref().map(|r| ReplySummary {
        to: r.to.clone(),
        subject: r.subject.clone(),
        body: r.body.clone(),
    });
    outcome
}
