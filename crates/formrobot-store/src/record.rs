//! Recording one processed mail: message, ticket, objects, handles, events and
//! the queued reply, all in ONE transaction.
//!
//! Handles are claimed here, inside the same transaction, because only the
//! database knows which numbers are free; the primary key on
//! `nic_handles.handle` is what makes two concurrent writers unable to claim
//! the same one. A rejected submission reaches no handle code at all.

pub use crate::words::MessageOutcome;
use crate::words::{EventKind, EventLevel, OutboxState, TicketState};
use crate::{Store, StoreError};
use formrobot_engine::check::Checked;
use formrobot_engine::outcome::Status;
use formrobot_engine::resolve::{self, Assignment, HandleRequest, RenderedObject};
use formrobot_engine::secrets::mask_text;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use sha2::{Digest, Sha256};

/// A received mail, as the intake stage saw it.
#[derive(Debug, Clone, Copy)]
pub struct IncomingMail<'a> {
    /// The mail exactly as received.
    pub raw: &'a [u8],
    /// Its `Message-ID`, if it had one.
    pub message_id: Option<&'a str>,
    /// What identifies it whatever its trace headers (`formrobot_mail::intake::identity`).
    /// Without it, only the same Message-ID with the same bytes is the same mail.
    pub identity: Option<&'a str>,
    /// The address replies go to, if one could be found.
    pub sender: Option<&'a str>,
    /// Where it came from: `process`, `replay:PATH`, `imap:...`.
    pub origin: &'a str,
    /// Parts kept with the ticket but not parsed.
    pub attachments: &'a [AttachmentRef<'a>],
    /// The per-sender limit on replies, when it applies to this mail.
    pub reply_limit: Option<ReplyLimit<'a>>,
    /// Where it sits in an IMAP mailbox, when it came from one.
    pub imap: Option<&'a ImapKey>,
}

/// At most `per_hour` replies in any hour to each of the mailboxes a mail
/// comes from. Counted and enforced inside the recording transaction, so that
/// concurrent mails from one sender cannot all see room for one more.
#[derive(Debug, Clone, Copy)]
pub struct ReplyLimit<'a> {
    /// The sender's normalised mailboxes (`formrobot_mail::intake::Headers::sender_mailboxes`).
    pub mailboxes: &'a [String],
    /// Replies each mailbox may get in an hour.
    pub per_hour: u32,
}

/// The window of the per-sender limit.
const HOUR: i64 = 3600;

/// A part of a mail kept with its ticket but not parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentRef<'a> {
    /// Its file name, if it has one.
    pub filename: Option<&'a str>,
    /// Its content type, lower case.
    pub content_type: &'a str,
    /// Its decoded bytes.
    pub content: &'a [u8],
}

/// An IMAP message's identity: it never changes while UIDVALIDITY stays the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImapKey {
    /// The mailbox name.
    pub mailbox: String,
    /// The mailbox's UIDVALIDITY.
    pub uidvalidity: u32,
    /// The message's UID.
    pub uid: u32,
}

/// What the pipeline decided the mail is.
#[derive(Debug, Clone, Copy)]
pub enum Verdict<'a> {
    /// A form submission, after the form engine and the registry checks.
    Submission(&'a Checked),
    /// A form sent with RIPE's `dry-run:`: checked and answered, but it opens
    /// no ticket and claims no handle.
    DryRun(&'a Checked),
    /// A request for help.
    Help,
    /// Not answered: a bounce, an auto-reply, a list mail. The reason is logged.
    Ignored(&'a str),
    /// Refused without parsing (too large, unreadable). The reason is logged.
    Refused(&'a str),
}

/// A reply ready to be queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// The whole message as it will be sent (headers and body).
    pub message: Vec<u8>,
}

/// What a reply may say, known only inside the recording transaction.
#[derive(Debug, Clone, Copy)]
pub struct ReplyContext<'a> {
    /// The ticket tag, `FR-...`, when the mail made a ticket.
    pub ticket: Option<&'a str>,
    /// The handles claimed.
    pub assignments: &'a [Assignment],
    /// The objects, with real handles.
    pub objects: &'a [RenderedObject],
}

/// What recording did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The message's row id.
    pub message: i64,
    /// The outcome stored for the message.
    pub outcome: MessageOutcome,
    /// The ticket tag, when there is a ticket (for a duplicate, the original's).
    pub ticket: Option<String>,
    /// For a duplicate: the row id of the message it repeats.
    pub duplicate_of: Option<i64>,
    /// Why a mail that deserved a reply got none (the per-sender limit): it
    /// was recorded, and nothing else was done (no ticket, no handle).
    pub withheld: Option<String>,
    /// The handles claimed.
    pub assignments: Vec<Assignment>,
    /// The objects with real handles.
    pub objects: Vec<RenderedObject>,
    /// The reply queued in the outbox.
    pub reply: Option<Outgoing>,
}

/// Whether the transaction is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// Keep everything.
    Yes,
    /// Do all the work, then roll back: a dry run that still sees the real registry.
    DryRun,
}

/// The characters of ticket tags: Crockford's base 32, no I, L, O or U to misread.
const TAG_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of randomness in a ticket tag: 50 bits, not guessable.
const TAG_LENGTH: usize = 10;

impl Store {
    /// Whether the IMAP message `key` has been recorded already.
    pub fn imap_seen(&self, key: &ImapKey) -> Result<bool, StoreError> {
        let found: Option<i64> = self
            .connection
            .query_row(
                "SELECT 1 FROM imap_seen WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
                params![key.mailbox, key.uidvalidity, key.uid],
                |row| row.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// The tries at IMAP message `key` that did not end with it recorded, and
    /// the last error one of them met (none when every one of them was cut
    /// short: the robot died while trying).
    pub fn imap_attempts(&self, key: &ImapKey) -> Result<(u32, Option<String>), StoreError> {
        let found = self
            .connection
            .query_row(
                "SELECT attempts, last_error FROM imap_attempts WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
                params![key.mailbox, key.uidvalidity, key.uid],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        Ok(found.unwrap_or((0, None)))
    }

    /// Counts one more try at IMAP message `key` and commits the count BEFORE
    /// the try begins, so that a try that kills the robot is counted too.
    /// Returns the tries so far, this one included. Recording the mail forgets them.
    pub fn begin_imap_attempt(&mut self, key: &ImapKey, now: i64) -> Result<u32, StoreError> {
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let attempts = transaction.query_row(
            "INSERT INTO imap_attempts (mailbox, uidvalidity, uid, attempts, updated_at) VALUES (?1, ?2, ?3, 1, ?4)
             ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET attempts = attempts + 1, updated_at = ?4
             RETURNING attempts",
            params![key.mailbox, key.uidvalidity, key.uid, now],
            |row| row.get(0),
        )?;
        transaction.commit()?;
        Ok(attempts)
    }

    /// Notes why the latest try at IMAP message `key` failed.
    pub fn imap_attempt_failed(&mut self, key: &ImapKey, now: i64, error: &str) -> Result<(), StoreError> {
        self.connection.execute(
            "UPDATE imap_attempts SET last_error = ?4, updated_at = ?5 WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
            params![key.mailbox, key.uidvalidity, key.uid, error, now],
        )?;
        Ok(())
    }

    /// Records one processed mail, claiming handles for an accepted submission,
    /// and queues the reply `compose` writes. Everything or nothing is stored.
    pub fn record(
        &mut self,
        mail: &IncomingMail<'_>,
        verdict: Verdict<'_>,
        now: i64,
        commit: Commit,
        compose: impl FnOnce(&ReplyContext<'_>) -> Option<Outgoing>,
    ) -> Result<Recorded, StoreError> {
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let recorded = record_in(&transaction, mail, verdict, now, compose)?;
        match commit {
            Commit::Yes => transaction.commit()?,
            Commit::DryRun => transaction.rollback()?,
        }
        Ok(recorded)
    }
}

fn record_in(
    tx: &Transaction<'_>,
    mail: &IncomingMail<'_>,
    verdict: Verdict<'_>,
    now: i64,
    compose: impl FnOnce(&ReplyContext<'_>) -> Option<Outgoing>,
) -> Result<Recorded, StoreError> {
    let sha256 = hex(&Sha256::digest(mail.raw));
    let received = Received { sha256: &sha256, identity: mail.identity };
    let recorded = record_message(tx, mail, &received, verdict, now, compose)?;
    if let Some(key) = mail.imap {
        tx.execute(
            "INSERT INTO imap_seen (mailbox, uidvalidity, uid, message_id) VALUES (?1, ?2, ?3, ?4)",
            params![key.mailbox, key.uidvalidity, key.uid, recorded.message],
        )?;
        tx.execute(
            "DELETE FROM imap_attempts WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
            params![key.mailbox, key.uidvalidity, key.uid],
        )?;
    }
    Ok(recorded)
}

/// What the store works out about a received mail's bytes.
struct Received<'a> {
    /// SHA-256 of the bytes, hex.
    sha256: &'a str,
    /// What identifies the mail (see [`IncomingMail::identity`]).
    identity: Option<&'a str>,
}

fn record_message(
    tx: &Transaction<'_>,
    mail: &IncomingMail<'_>,
    received: &Received<'_>,
    verdict: Verdict<'_>,
    now: i64,
    compose: impl FnOnce(&ReplyContext<'_>) -> Option<Outgoing>,
) -> Result<Recorded, StoreError> {
    if let Some(original) = find_duplicate(tx, received, mail.message_id)? {
        return record_duplicate(tx, mail, received, original, now);
    }
    let withheld = match (verdict, mail.reply_limit) {
        (Verdict::Ignored(_), _) | (_, None) => None,
        (_, Some(limit)) => limit_reached(tx, limit, now)?,
    };
    if let Some(reason) = withheld {
        return record_withheld(tx, mail, received, reason, now);
    }

    let outcome = match verdict {
        Verdict::Submission(checked) | Verdict::DryRun(checked) if checked.status() == Status::Accepted => {
            MessageOutcome::Accepted
        }
        Verdict::Submission(_) | Verdict::DryRun(_) => MessageOutcome::Rejected,
        Verdict::Help => MessageOutcome::Help,
        Verdict::Ignored(_) => MessageOutcome::Ignored,
        Verdict::Refused(_) => MessageOutcome::Refused,
    };
    let message = insert_message(tx, mail, received, now, outcome, None, None)?;
    log_received(tx, mail, message, now)?;

    let mut ticket: Option<(i64, String)> = None;
    let mut assignments = Vec::new();
    let mut objects = Vec::new();
    match verdict {
        Verdict::Submission(checked) => {
            let state = if outcome == MessageOutcome::Accepted { TicketState::Accepted } else { TicketState::Rejected };
            let (ticket_id, tag) = create_ticket(tx, checked, state, mail.sender, now)?;
            tx.execute("UPDATE messages SET ticket_id = ?1 WHERE id = ?2", params![ticket_id, message])?;
            if outcome == MessageOutcome::Accepted {
                for request in resolve::requests(checked) {
                    let assignment = claim_handle(tx, request, ticket_id, now)?;
                    log_event(
                        tx,
                        now,
                        EventLevel::Info,
                        Some(ticket_id),
                        Some(message),
                        EventKind::HandleAssigned,
                        &format!(
                            "{} -> {} ({})",
                            assignment.request.label,
                            assignment.handle(),
                            assignment.request.name
                        ),
                    )?;
                    assignments.push(assignment);
                }
            }
            objects = resolve::rewrite(checked, &assignments);
            for (position, object) in objects.iter().enumerate() {
                // The objects are a view of the form: stored without its secrets.
                // The raw mail, the evidence, keeps them as received.
                let rewritten = (outcome == MessageOutcome::Accepted).then(|| mask_text(&object.rewritten));
                tx.execute(
                    "INSERT INTO objects (ticket_id, position, class, submitted, rewritten) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![ticket_id, position as i64, object.class, mask_text(&object.submitted), rewritten],
                )?;
            }
            let errors = checked.errors().count();
            let details = match outcome {
                MessageOutcome::Accepted => format!(
                    "{} object(s) accepted, {} handle(s) assigned, {} warning(s)",
                    objects.len(),
                    assignments.len(),
                    checked.warnings().count()
                ),
                _ => format!("{} object(s) with {errors} error(s)", objects.len()),
            };
            log_event(tx, now, EventLevel::Info, Some(ticket_id), Some(message), state.event_kind(), &details)?;
            ticket = Some((ticket_id, tag));
        }
        Verdict::DryRun(checked) => {
            let (kind, found) = match outcome {
                MessageOutcome::Accepted => (EventKind::Accepted, "no errors".to_owned()),
                _ => (EventKind::Rejected, format!("{} error(s)", checked.errors().count())),
            };
            let details = format!("dry run: {found}; checked only, no ticket opened and no handle claimed");
            log_event(tx, now, EventLevel::Info, None, Some(message), kind, &details)?
        }
        Verdict::Help => log_event(tx, now, EventLevel::Info, None, Some(message), EventKind::Help, "help requested")?,
        Verdict::Ignored(reason) => {
            log_event(tx, now, EventLevel::Info, None, Some(message), EventKind::Ignored, reason)?
        }
        Verdict::Refused(reason) => {
            log_event(tx, now, EventLevel::Warn, None, Some(message), EventKind::Refused, reason)?
        }
    }

    for attachment in mail.attachments {
        tx.execute(
            "INSERT INTO attachments (message_id, ticket_id, filename, content_type, size, content)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                message,
                ticket.as_ref().map(|(id, _)| *id),
                attachment.filename,
                attachment.content_type,
                attachment.content.len() as i64,
                attachment.content
            ],
        )?;
    }
    if !mail.attachments.is_empty() {
        let names: Vec<String> = mail
            .attachments
            .iter()
            .map(|a| format!("{} ({}, {} bytes)", a.filename.unwrap_or("unnamed"), a.content_type, a.content.len()))
            .collect();
        log_event(
            tx,
            now,
            EventLevel::Info,
            ticket.as_ref().map(|(id, _)| *id),
            Some(message),
            EventKind::AttachmentsKept,
            &names.join(", "),
        )?;
    }

    let context = ReplyContext {
        ticket: ticket.as_ref().map(|(_, tag)| tag.as_str()),
        assignments: &assignments,
        objects: &objects,
    };
    let reply = compose(&context);
    if let Some(reply) = &reply {
        tx.execute(
            "INSERT INTO outbox (message_id, ticket_id, recipient, subject, body, status, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![
                message,
                ticket.as_ref().map(|(id, _)| *id),
                reply.to,
                reply.subject,
                reply.message,
                OutboxState::Queued,
                now
            ],
        )?;
        if let Some(limit) = mail.reply_limit {
            count_reply(tx, limit, tx.last_insert_rowid(), now)?;
        }
        log_event(
            tx,
            now,
            EventLevel::Info,
            ticket.as_ref().map(|(id, _)| *id),
            Some(message),
            EventKind::ReplyQueued,
            &format!("to {}: {}", reply.to, reply.subject),
        )?;
    }
    Ok(Recorded {
        message,
        outcome,
        ticket: ticket.map(|(_, tag)| tag),
        duplicate_of: None,
        withheld: None,
        assignments,
        objects,
        reply,
    })
}

/// The first receipt of a mail that came again.
struct Original {
    /// Its message row id.
    message: i64,
    /// Its ticket's row id and tag, if it made one.
    ticket: Option<(i64, String)>,
}

/// The first receipt of the same mail (the same [`Received::identity`], or the
/// same Message-ID and bytes, which also finds mails recorded before identities
/// were kept), and its ticket.
fn find_duplicate(
    tx: &Transaction<'_>,
    received: &Received<'_>,
    message_id: Option<&str>,
) -> Result<Option<Original>, StoreError> {
    let original = |row: &rusqlite::Row<'_>| {
        let ticket: Option<i64> = row.get(1)?;
        let tag: Option<String> = row.get(2)?;
        Ok(Original { message: row.get(0)?, ticket: ticket.zip(tag) })
    };
    let found = match received.identity {
        Some(identity) => tx
            .query_row(
                "SELECT m.id, t.id, t.tag FROM messages m LEFT JOIN tickets t ON t.id = m.ticket_id
                 WHERE m.identity = ?1 AND m.outcome != ?2 ORDER BY m.id LIMIT 1",
                params![identity, MessageOutcome::Duplicate],
                original,
            )
            .optional()?,
        None => None,
    };
    let Some(message_id) = message_id.filter(|_| found.is_none()) else { return Ok(found) };
    Ok(tx
        .query_row(
            "SELECT m.id, t.id, t.tag FROM messages m LEFT JOIN tickets t ON t.id = m.ticket_id
             WHERE m.message_id = ?1 AND m.sha256 = ?2 AND m.outcome != ?3
             ORDER BY m.id LIMIT 1",
            params![message_id, received.sha256, MessageOutcome::Duplicate],
            original,
        )
        .optional()?)
}

/// Records a mail received before: its size, hashes and a reference to the
/// first receipt, not its bytes again. Nothing else is done.
fn record_duplicate(
    tx: &Transaction<'_>,
    mail: &IncomingMail<'_>,
    received: &Received<'_>,
    Original { message: original, ticket }: Original,
    now: i64,
) -> Result<Recorded, StoreError> {
    let ticket_id = ticket.as_ref().map(|(id, _)| *id);
    let message = insert_message(tx, mail, received, now, MessageOutcome::Duplicate, ticket_id, Some(original))?;
    let details = format!(
        "the same mail (Message-ID {}, the same headers and body) was received before as message #{original}; \
         nothing was done, and its bytes are not stored again",
        mail.message_id.unwrap_or("-")
    );
    log_event(tx, now, EventLevel::Warn, ticket_id, Some(message), EventKind::Duplicate, &details)?;
    Ok(Recorded {
        message,
        outcome: MessageOutcome::Duplicate,
        ticket: ticket.map(|(_, tag)| tag),
        duplicate_of: Some(original),
        withheld: None,
        assignments: Vec::new(),
        objects: Vec::new(),
        reply: None,
    })
}

/// Why the mail gets no reply under `limit`, if one of its mailboxes had its replies for the hour.
fn limit_reached(tx: &Transaction<'_>, limit: ReplyLimit<'_>, now: i64) -> Result<Option<String>, StoreError> {
    let mut count = tx.prepare_cached("SELECT COUNT(*) FROM reply_quota WHERE mailbox = ?1 AND at >= ?2")?;
    for mailbox in limit.mailboxes {
        let replies: u32 = count.query_row(params![mailbox, now - HOUR], |row| row.get(0))?;
        if replies >= limit.per_hour {
            return Ok(Some(format!(
                "{mailbox} already had {replies} replies in the last hour; this mail is recorded but not answered"
            )));
        }
    }
    Ok(None)
}

/// Counts the reply `outbox_id` against each of the sender's mailboxes.
fn count_reply(tx: &Transaction<'_>, limit: ReplyLimit<'_>, outbox_id: i64, now: i64) -> Result<(), StoreError> {
    let mut insert =
        tx.prepare_cached("INSERT OR IGNORE INTO reply_quota (mailbox, outbox_id, at) VALUES (?1, ?2, ?3)")?;
    for mailbox in limit.mailboxes {
        insert.execute(params![mailbox, outbox_id, now])?;
    }
    Ok(())
}

/// Records a mail that deserved a reply but is over the per-sender limit. It
/// makes no ticket and claims no handle: nobody would be told about them.
fn record_withheld(
    tx: &Transaction<'_>,
    mail: &IncomingMail<'_>,
    received: &Received<'_>,
    reason: String,
    now: i64,
) -> Result<Recorded, StoreError> {
    let message = insert_message(tx, mail, received, now, MessageOutcome::Ignored, None, None)?;
    log_received(tx, mail, message, now)?;
    log_event(tx, now, EventLevel::Warn, None, Some(message), EventKind::ReplyWithheld, &reason)?;
    Ok(Recorded {
        message,
        outcome: MessageOutcome::Ignored,
        ticket: None,
        duplicate_of: None,
        withheld: Some(reason),
        assignments: Vec::new(),
        objects: Vec::new(),
        reply: None,
    })
}

fn log_received(tx: &Transaction<'_>, mail: &IncomingMail<'_>, message: i64, now: i64) -> Result<(), StoreError> {
    let sender = mail.sender.unwrap_or("unknown sender");
    log_event(
        tx,
        now,
        EventLevel::Info,
        None,
        Some(message),
        EventKind::Received,
        &format!("{} bytes from {sender} via {}", mail.raw.len(), mail.origin),
    )
}

/// Inserts the message row. A duplicate keeps its size and hashes but not its bytes.
fn insert_message(
    tx: &Transaction<'_>,
    mail: &IncomingMail<'_>,
    received: &Received<'_>,
    now: i64,
    outcome: MessageOutcome,
    ticket: Option<i64>,
    duplicate_of: Option<i64>,
) -> Result<i64, StoreError> {
    let raw: &[u8] = if duplicate_of.is_some() { &[] } else { mail.raw };
    tx.execute(
        "INSERT INTO messages (message_id, sender, size, sha256, raw, received_at, origin, outcome, ticket_id,
                               identity, duplicate_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            mail.message_id,
            mail.sender,
            mail.raw.len() as i64,
            received.sha256,
            raw,
            now,
            mail.origin,
            outcome,
            ticket,
            received.identity,
            duplicate_of
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Creates a ticket with a fresh random tag; a collision, however unlikely, draws again.
fn create_ticket(
    tx: &Transaction<'_>,
    checked: &Checked,
    state: TicketState,
    sender: Option<&str>,
    now: i64,
) -> Result<(i64, String), StoreError> {
    let dialect = checked.submission.dialect.to_string();
    loop {
        let random: Vec<u8> = tx.query_row("SELECT randomblob(?1)", [TAG_LENGTH as i64], |row| row.get(0))?;
        let tag = ticket_tag(&random);
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO tickets (tag, status, dialect, sender, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![tag, state, dialect, sender, now],
        )?;
        if inserted == 1 {
            return Ok((tx.last_insert_rowid(), tag));
        }
    }
}

/// `FR-` and [`TAG_LENGTH`] characters drawn from `random` (one byte each).
fn ticket_tag(random: &[u8]) -> String {
    let letters: String = random.iter().map(|b| char::from(TAG_ALPHABET[usize::from(b % 32)])).collect();
    format!("FR-{letters}")
}

/// Claims the lowest free number for the request's initials and suffix.
fn claim_handle(tx: &Transaction<'_>, request: HandleRequest, ticket: i64, now: i64) -> Result<Assignment, StoreError> {
    let dense_upto: i64 = tx
        .query_row(
            "SELECT dense_upto FROM handle_prefix WHERE initials = ?1 AND suffix = ?2",
            params![request.initials, request.suffix],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let base = u32::try_from(dense_upto).unwrap_or(0);
    let mut statement = tx.prepare_cached(
        "SELECT number FROM nic_handles WHERE initials = ?1 AND suffix = ?2 AND number > ?3 ORDER BY number",
    )?;
    let taken: Vec<u32> = statement
        .query_map(params![request.initials, request.suffix, dense_upto], |row| row.get::<_, u32>(0))?
        .collect::<Result<_, _>>()?;
    drop(statement);
    let number = base + resolve::lowest_free(taken.into_iter().map(|n| n - base));

    let assignment = Assignment { request, number };
    tx.execute(
        "INSERT INTO nic_handles (handle, initials, number, suffix, name, placeholder, ticket_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            assignment.handle(),
            assignment.request.initials,
            number,
            assignment.request.suffix,
            assignment.request.name,
            assignment.request.label,
            ticket,
            now
        ],
    )?;
    // `number` was the lowest free one, so now every number up to it is taken.
    tx.execute(
        "INSERT INTO handle_prefix (initials, suffix, dense_upto) VALUES (?1, ?2, ?3)
         ON CONFLICT (initials, suffix) DO UPDATE SET dense_upto = excluded.dense_upto",
        params![assignment.request.initials, assignment.request.suffix, number],
    )?;
    Ok(assignment)
}

/// Appends one event to the processing log.
pub(crate) fn log_event(
    connection: &rusqlite::Connection,
    now: i64,
    level: EventLevel,
    ticket: Option<i64>,
    message: Option<i64>,
    kind: EventKind,
    details: &str,
) -> Result<(), StoreError> {
    connection.execute(
        "INSERT INTO events (at, level, ticket_id, message_id, kind, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![now, level, ticket, message, kind, details],
    )?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_tags_use_the_unambiguous_alphabet() {
        let tag = ticket_tag(&[0, 1, 31, 32, 255, 8, 9, 10, 18, 21]);
        assert_eq!(tag, "FR-01Z0Z89AJN");
        assert!(!tag[3..].contains(['I', 'L', 'O', 'U']));
    }
}
