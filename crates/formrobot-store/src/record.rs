//! Recording one processed mail: message, ticket, objects, handles, events and
//! the queued reply, all in ONE transaction.
//!
//! Handles are claimed here, inside the same transaction, because only the
//! database knows which numbers are free; the primary key on
//! `nic_handles.handle` is what makes two concurrent writers unable to claim
//! the same one. A rejected submission reaches no handle code at all.

use crate::lifecycle::{append_event, change_state, touch_ticket, Event, TicketRow};
pub use crate::words::MessageOutcome;
use crate::words::{EventKind, EventLevel, OutboxState, TicketState};
use crate::{execute_cached, query_row_cached};
use crate::{Store, StoreError};
use formrobot_engine::check::Checked;
use formrobot_engine::outcome::Status;
use formrobot_engine::resolve::{self, Assignment, HandleRequest, RenderedObject};
use formrobot_engine::secrets::mask_text;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
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
    /// The address in its `From:` (the requester check reads it before `sender`).
    pub from: Option<&'a str>,
    /// What it cites: ticket tags in the subject, Message-IDs it answers.
    pub cites: Citations<'a>,
}

/// What a mail cites, nearest first: how it finds the ticket it belongs to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Citations<'a> {
    /// Ticket tags, `FR-...`, upper case.
    pub tags: &'a [String],
    /// Message-IDs of mails it answers (ours or the requester's), with angle brackets.
    pub message_ids: &'a [String],
}

/// What a submitted mail is to the tickets already open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// It opens a ticket: it cites none (or, with templates, a closed one).
    NewTicket,
    /// The requester sent templates again on an open ticket. `kept_accepted`:
    /// they were rejected, and the ticket keeps its last accepted request.
    Resubmission {
        /// The resubmission was rejected and the ticket's accepted request stays.
        kept_accepted: bool,
    },
    /// The requester wrote on the ticket without templates: recorded, not answered.
    Correspondence,
    /// Someone who is not the requester cited the ticket: refused, logged.
    NotRequester,
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
    /// Its `Message-ID`: an answer citing it comes back to the ticket.
    pub message_id: String,
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
    /// What the mail is to an existing ticket.
    pub follow_up: FollowUp,
}

/// What recording did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The message's row id.
    pub message: i64,
    /// The outcome stored for the message.
    pub outcome: MessageOutcome,
    /// The ticket tag, when the mail is on a ticket (for a duplicate, the original's).
    pub ticket: Option<String>,
    /// What the mail was to an existing ticket.
    pub follow_up: FollowUp,
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

    /// Counts one more try at each IMAP message of `keys` and commits the
    /// counts BEFORE the tries begin, so that a try that kills the robot is
    /// counted too; all of them in one transaction, so that a group of mails
    /// about to be recorded together costs one commit. Returns the tries so
    /// far of each, this one included. Recording a mail forgets them.
    ///
    /// The commit waits for the operating system, not the disk (as the
    /// sender's do, [`Store::prefer_fast_commits`]): in WAL mode it survives
    /// the robot's process being killed, which is what a mail that kills the
    /// robot does. Only a power loss could undo it, and a try that a power
    /// loss cut short was the power's fault, not the mail's. The wait for the
    /// disk is left to the recording of the mails (the daemon syncs after
    /// its commit, [`Store::sync_committed`]).
    pub fn begin_imap_attempts(&mut self, keys: &[&ImapKey], now: i64) -> Result<Vec<u32>, StoreError> {
        let synchronous: i64 = self.connection.pragma_query_value(None, "synchronous", |row| row.get(0))?;
        self.connection.pragma_update(None, "synchronous", "NORMAL")?;
        let counted = count_imap_attempts(&mut self.connection, keys, now);
        // Back to this connection's own setting whatever happened, so that recording stays as durable as it was.
        self.connection.pragma_update(None, "synchronous", synchronous)?;
        counted
    }

    /// Notes why the latest try at IMAP message `key` failed.
    pub fn imap_attempt_failed(&mut self, key: &ImapKey, now: i64, error: &str) -> Result<(), StoreError> {
        self.connection.execute(
            "UPDATE imap_attempts SET last_error = ?4, updated_at = ?5 WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
            params![key.mailbox, key.uidvalidity, key.uid, error, now],
        )?;
        Ok(())
    }

    /// Starts a batch: the mails recorded until [`Store::commit_batch`] share
    /// one transaction (each its own savepoint in it), so that they cost one
    /// write to the disk instead of one each. Until the commit, nothing of
    /// them is visible to other connections or survives a crash: whoever
    /// batches acts on a mail (writes its reply file, moves it out of a
    /// mailbox) only after the commit.
    pub fn begin_batch(&mut self) -> Result<(), StoreError> {
        self.connection.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    /// Commits the batch begun by [`Store::begin_batch`]: every mail recorded in it is kept.
    pub fn commit_batch(&mut self) -> Result<(), StoreError> {
        self.connection.execute_batch("COMMIT")?;
        Ok(())
    }

    /// Drops the batch begun by [`Store::begin_batch`]: none of its mails is
    /// kept. For a batch whose commit failed, which SQLite may leave open;
    /// nothing is done when no transaction is open (SQLite already rolled it back).
    pub fn rollback_batch(&mut self) -> Result<(), StoreError> {
        if !self.connection.is_autocommit() {
            self.connection.execute_batch("ROLLBACK")?;
        }
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
        if !self.connection.is_autocommit() {
            // Inside a batch (`Store::begin_batch`): the mail is a savepoint of
            // the batch's transaction, all of it or none of it kept, and durable
            // when the batch commits. The savepoint statements are prepared once.
            execute_cached(&self.connection, "SAVEPOINT mail", [])?;
            let recorded = record_in(&self.connection, mail, verdict, now, compose);
            let keep = matches!((&recorded, commit), (Ok(_), Commit::Yes));
            if !keep {
                execute_cached(&self.connection, "ROLLBACK TO mail", [])?;
            }
            execute_cached(&self.connection, "RELEASE mail", [])?;
            return recorded;
        }
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let recorded = record_in(&transaction, mail, verdict, now, compose)?;
        match commit {
            Commit::Yes => transaction.commit()?,
            Commit::DryRun => transaction.rollback()?,
        }
        Ok(recorded)
    }
}

/// One more try at each of `keys`, in one transaction (see [`Store::begin_imap_attempts`]).
fn count_imap_attempts(connection: &mut Connection, keys: &[&ImapKey], now: i64) -> Result<Vec<u32>, StoreError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut tries = Vec::with_capacity(keys.len());
    for key in keys {
        tries.push(
            transaction
                .prepare_cached(
                    "INSERT INTO imap_attempts (mailbox, uidvalidity, uid, attempts, updated_at) VALUES (?1, ?2, ?3, 1, ?4)
                     ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET attempts = attempts + 1, updated_at = ?4
                     RETURNING attempts",
                )?
                .query_row(params![key.mailbox, key.uidvalidity, key.uid, now], |row| row.get(0))?,
        );
    }
    transaction.commit()?;
    Ok(tries)
}

fn record_in(
    tx: &Connection,
    mail: &IncomingMail<'_>,
    verdict: Verdict<'_>,
    now: i64,
    compose: impl FnOnce(&ReplyContext<'_>) -> Option<Outgoing>,
) -> Result<Recorded, StoreError> {
    let sha256 = hex(&Sha256::digest(mail.raw));
    let received = Received { sha256: &sha256, identity: mail.identity };
    let recorded = record_message(tx, mail, &received, verdict, now, compose)?;
    if let Some(key) = mail.imap {
        execute_cached(
            tx,
            "INSERT INTO imap_seen (mailbox, uidvalidity, uid, message_id) VALUES (?1, ?2, ?3, ?4)",
            params![key.mailbox, key.uidvalidity, key.uid, recorded.message],
        )?;
        execute_cached(
            tx,
            "DELETE FROM imap_attempts WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
            params![key.mailbox, key.uidvalidity, key.uid],
        )?;
    }
    Ok(recorded)
}

/// What the store works out about a received mail's bytes.
pub(crate) struct Received<'a> {
    /// SHA-256 of the bytes, hex.
    pub sha256: &'a str,
    /// What identifies the mail (see [`IncomingMail::identity`]).
    pub identity: Option<&'a str>,
}

fn record_message(
    tx: &Connection,
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

    let mut outcome = match verdict {
        Verdict::Submission(checked) | Verdict::DryRun(checked) if checked.status() == Status::Accepted => {
            MessageOutcome::Accepted
        }
        Verdict::Submission(_) | Verdict::DryRun(_) => MessageOutcome::Rejected,
        Verdict::Help => MessageOutcome::Help,
        Verdict::Ignored(_) => MessageOutcome::Ignored,
        Verdict::Refused(_) => MessageOutcome::Refused,
    };
    // Only a form (or what may be a letter on a ticket) is looked up in its thread.
    let cited = match verdict {
        Verdict::Submission(_) => find_cited_ticket(tx, &mail.cites)?,
        _ => None,
    };
    let follow_up = match (verdict, &cited) {
        (Verdict::Submission(checked), Some(cited)) => {
            if !cited.is_requester(mail.from.or(mail.sender)) {
                FollowUp::NotRequester
            } else if !checked.has_templates() {
                FollowUp::Correspondence
            } else if cited.state.is_closed() {
                FollowUp::NewTicket
            } else {
                let kept_accepted = outcome == MessageOutcome::Rejected && cited.state.has_accepted_request();
                FollowUp::Resubmission { kept_accepted }
            }
        }
        _ => FollowUp::NewTicket,
    };
    match follow_up {
        FollowUp::NotRequester => outcome = MessageOutcome::NotRequester,
        FollowUp::Correspondence => outcome = MessageOutcome::Correspondence,
        FollowUp::NewTicket | FollowUp::Resubmission { .. } => {}
    }
    // A form that opens a ticket opens it before its message row is written, and
    // a follow-up's ticket is known already: the row is inserted once, with its
    // ticket, instead of inserted and then updated (one index entry less to move).
    let new_ticket = match (verdict, follow_up) {
        (Verdict::Submission(checked), FollowUp::NewTicket) => {
            let state =
                if outcome == MessageOutcome::Accepted { TicketState::PendingReview } else { TicketState::Rejected };
            Some(create_ticket(tx, checked, state, mail, now)?)
        }
        _ => None,
    };
    let message_ticket = match (&new_ticket, &cited, follow_up) {
        (Some((id, _)), _, _) => Some(*id),
        (None, Some(cited), FollowUp::Correspondence | FollowUp::Resubmission { .. }) => Some(cited.id),
        _ => None,
    };
    let message = insert_message(tx, mail, received, now, outcome, message_ticket, None)?;
    let sender = mail.sender.unwrap_or("unknown sender");
    log_received(tx, mail, message, now)?;

    let mut ticket: Option<(i64, String)> = None;
    let mut assignments = Vec::new();
    let mut objects = Vec::new();
    match (verdict, cited, new_ticket) {
        (Verdict::Submission(_), Some(cited), _) if follow_up == FollowUp::NotRequester => {
            let details = format!(
                "{sender} cited ticket [{}] but is not its requester ({}); nothing was done on the ticket",
                cited.tag,
                cited.sender.as_deref().unwrap_or("unknown")
            );
            let event = Event::new(EventKind::NotRequester, &details).level(EventLevel::Warn).by(sender);
            append_event(tx, now, &event.ticket(cited.id).message(message))?;
            // The refusal names the ticket; the ticket does not take the mail.
            ticket = Some((cited.id, cited.tag));
        }
        (Verdict::Submission(_), Some(cited), _) if follow_up == FollowUp::Correspondence => {
            let details = format!("a letter from {sender}, without templates; shown to operators, not answered");
            append_event(
                tx,
                now,
                &Event::new(EventKind::Correspondence, &details).ticket(cited.id).message(message).by(sender),
            )?;
            if cited.state == TicketState::WaitingForRequester {
                change_state(tx, now, &cited, TicketState::PendingReview, sender, Some(message))?;
            } else {
                touch_ticket(tx, cited.id, now)?;
            }
            ticket = Some((cited.id, cited.tag));
        }
        (Verdict::Submission(checked), Some(cited), _) if matches!(follow_up, FollowUp::Resubmission { .. }) => {
            let accepted = outcome == MessageOutcome::Accepted;
            let details = format!(
                "{sender} sent the request again: {}",
                if accepted {
                    "accepted, it replaces the ticket's request"
                } else if cited.state.has_accepted_request() {
                    "rejected, the ticket keeps its last accepted request"
                } else {
                    "rejected again"
                }
            );
            append_event(
                tx,
                now,
                &Event::new(EventKind::Resubmitted, &details).ticket(cited.id).message(message).by(sender),
            )?;
            if accepted || !cited.state.has_accepted_request() {
                (assignments, objects) = record_request(tx, checked, accepted, cited.id, message, now, true)?;
            } else {
                objects = resolve::rewrite(checked, &[]);
            }
            log_checked(tx, now, checked, outcome, cited.id, message, &objects, &assignments)?;
            let next = match (accepted, cited.state) {
                (true, _) | (false, TicketState::WaitingForRequester) => TicketState::PendingReview,
                (false, state) => state,
            };
            if next != cited.state {
                change_state(tx, now, &cited, next, sender, Some(message))?;
            } else {
                touch_ticket(tx, cited.id, now)?;
            }
            ticket = Some((cited.id, cited.tag));
        }
        (Verdict::Submission(checked), _, Some((ticket_id, tag))) => {
            let accepted = outcome == MessageOutcome::Accepted;
            (assignments, objects) = record_request(tx, checked, accepted, ticket_id, message, now, false)?;
            log_checked(tx, now, checked, outcome, ticket_id, message, &objects, &assignments)?;
            ticket = Some((ticket_id, tag));
        }
        // Every other submission opened its ticket above.
        (Verdict::Submission(_), _, None) => {}
        (Verdict::DryRun(checked), _, _) => {
            let (kind, found) = match outcome {
                MessageOutcome::Accepted => (EventKind::Accepted, "no errors".to_owned()),
                _ => (EventKind::Rejected, format!("{} error(s)", checked.error_count())),
            };
            let details = format!("dry run: {found}; checked only, no ticket opened and no handle claimed");
            log_event(tx, now, EventLevel::Info, None, Some(message), kind, &details)?
        }
        (Verdict::Help, _, _) => {
            log_event(tx, now, EventLevel::Info, None, Some(message), EventKind::Help, "help requested")?
        }
        (Verdict::Ignored(reason), _, _) => {
            log_event(tx, now, EventLevel::Info, None, Some(message), EventKind::Ignored, reason)?
        }
        (Verdict::Refused(reason), _, _) => {
            log_event(tx, now, EventLevel::Warn, None, Some(message), EventKind::Refused, reason)?
        }
    }
    // A stranger's mail is not the ticket's: its attachments and reply stay off it.
    let on_ticket = if follow_up == FollowUp::NotRequester { None } else { ticket.as_ref().map(|(id, _)| *id) };

    keep_attachments(tx, mail, message, on_ticket, now)?;

    let context = ReplyContext {
        ticket: ticket.as_ref().map(|(_, tag)| tag.as_str()),
        assignments: &assignments,
        objects: &objects,
        follow_up,
    };
    let reply = compose(&context);
    if let Some(reply) = &reply {
        let outbox_id = queue_reply(tx, now, message, on_ticket, reply)?;
        if let Some(limit) = mail.reply_limit {
            count_reply(tx, limit, outbox_id, now)?;
        }
    }
    Ok(Recorded {
        message,
        outcome,
        ticket: if follow_up == FollowUp::NotRequester { None } else { ticket.map(|(_, tag)| tag) },
        follow_up,
        duplicate_of: None,
        withheld: None,
        assignments,
        objects,
        reply,
    })
}

/// Keeps a mail's unread parts (or a request's documents) with it and its ticket.
pub(crate) fn keep_attachments(
    tx: &Connection,
    mail: &IncomingMail<'_>,
    message: i64,
    ticket: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    for attachment in mail.attachments {
        execute_cached(
            tx,
            "INSERT INTO attachments (message_id, ticket_id, filename, content_type, size, content)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                message,
                ticket,
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
        log_event(tx, now, EventLevel::Info, ticket, Some(message), EventKind::AttachmentsKept, &names.join(", "))?;
    }

    Ok(())
}

/// Queues `reply` in the outbox, answering message `message`, and logs it; its outbox row id.
pub(crate) fn queue_reply(
    connection: &rusqlite::Connection,
    now: i64,
    message: i64,
    ticket: Option<i64>,
    reply: &Outgoing,
) -> Result<i64, StoreError> {
    execute_cached(
        connection,
        "INSERT INTO outbox (message_id, ticket_id, recipient, subject, body, status, next_attempt_at, created_at,
                             header_message_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        params![message, ticket, reply.to, reply.subject, reply.message, OutboxState::Queued, now, reply.message_id],
    )?;
    let outbox_id = connection.last_insert_rowid();
    log_event(
        connection,
        now,
        EventLevel::Info,
        ticket,
        Some(message),
        EventKind::ReplyQueued,
        &format!("to {}: {}", reply.to, reply.subject),
    )?;
    Ok(outbox_id)
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
    tx: &Connection,
    received: &Received<'_>,
    message_id: Option<&str>,
) -> Result<Option<Original>, StoreError> {
    let original = |row: &rusqlite::Row<'_>| {
        let ticket: Option<i64> = row.get(1)?;
        let tag: Option<String> = row.get(2)?;
        Ok(Original { message: row.get(0)?, ticket: ticket.zip(tag) })
    };
    // Both lookups run for every mail: their statements are prepared once (`prepare_cached`).
    let found = match received.identity {
        Some(identity) => query_row_cached(
            tx,
            "SELECT m.id, t.id, t.tag FROM messages m LEFT JOIN tickets t ON t.id = m.ticket_id
             WHERE m.identity = ?1 AND m.outcome != ?2 ORDER BY m.id LIMIT 1",
            params![identity, MessageOutcome::Duplicate],
            original,
        )?,
        None => None,
    };
    let Some(message_id) = message_id.filter(|_| found.is_none()) else { return Ok(found) };
    Ok(query_row_cached(
        tx,
        "SELECT m.id, t.id, t.tag FROM messages m LEFT JOIN tickets t ON t.id = m.ticket_id
         WHERE m.message_id = ?1 AND m.sha256 = ?2 AND m.outcome != ?3
         ORDER BY m.id LIMIT 1",
        params![message_id, received.sha256, MessageOutcome::Duplicate],
        original,
    )?)
}

/// Records a mail received before: its size, hashes and a reference to the
/// first receipt, not its bytes again. Nothing else is done.
fn record_duplicate(
    tx: &Connection,
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
        follow_up: FollowUp::NewTicket,
        duplicate_of: Some(original),
        withheld: None,
        assignments: Vec::new(),
        objects: Vec::new(),
        reply: None,
    })
}

/// Why the mail gets no reply under `limit`, if one of its mailboxes had its replies for the hour.
fn limit_reached(tx: &Connection, limit: ReplyLimit<'_>, now: i64) -> Result<Option<String>, StoreError> {
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
fn count_reply(tx: &Connection, limit: ReplyLimit<'_>, outbox_id: i64, now: i64) -> Result<(), StoreError> {
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
    tx: &Connection,
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
        follow_up: FollowUp::NewTicket,
        duplicate_of: None,
        withheld: Some(reason),
        assignments: Vec::new(),
        objects: Vec::new(),
        reply: None,
    })
}

pub(crate) fn log_received(tx: &Connection, mail: &IncomingMail<'_>, message: i64, now: i64) -> Result<(), StoreError> {
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
pub(crate) fn insert_message(
    tx: &Connection,
    mail: &IncomingMail<'_>,
    received: &Received<'_>,
    now: i64,
    outcome: MessageOutcome,
    ticket: Option<i64>,
    duplicate_of: Option<i64>,
) -> Result<i64, StoreError> {
    let raw: &[u8] = if duplicate_of.is_some() { &[] } else { mail.raw };
    execute_cached(
        tx,
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

/// Creates a ticket for a mailed submission.
fn create_ticket(
    tx: &Connection,
    checked: &Checked,
    state: TicketState,
    mail: &IncomingMail<'_>,
    now: i64,
) -> Result<(i64, String), StoreError> {
    let dialect = checked.submission.dialect.to_string();
    let opening =
        NewTicket { state, dialect: &dialect, sender: mail.sender, requester_from: mail.from.or(mail.sender) };
    insert_ticket(tx, &opening, now)
}

/// What a new ticket starts with.
pub(crate) struct NewTicket<'a> {
    /// Its first state.
    pub state: TicketState,
    /// The form's dialect (`RIPE-228`, `APNIC-038`).
    pub dialect: &'a str,
    /// Where mail to the requester goes (comma-separated when several are told).
    pub sender: Option<&'a str>,
    /// The requester's own address.
    pub requester_from: Option<&'a str>,
}

/// Inserts a ticket with a fresh random tag; a collision, however unlikely, draws again.
pub(crate) fn insert_ticket(tx: &Connection, ticket: &NewTicket<'_>, now: i64) -> Result<(i64, String), StoreError> {
    loop {
        let random: Vec<u8> =
            tx.prepare_cached("SELECT randomblob(?1)")?.query_row([TAG_LENGTH as i64], |row| row.get(0))?;
        let tag = ticket_tag(&random);
        let inserted = execute_cached(
            tx,
            "INSERT OR IGNORE INTO tickets (tag, status, dialect, sender, requester_from, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![tag, ticket.state, ticket.dialect, ticket.sender, ticket.requester_from, now],
        )?;
        if inserted == 1 {
            return Ok((tx.last_insert_rowid(), tag));
        }
    }
}

/// The open or closed ticket a mail cites: a tag in its subject first, else
/// the nearest Message-ID it answers that is a mail of a ticket, in or out.
fn find_cited_ticket(tx: &Connection, cites: &Citations<'_>) -> Result<Option<TicketRow>, StoreError> {
    for tag in cites.tags {
        if let Some(ticket) = TicketRow::by_tag(tx, tag)? {
            return Ok(Some(ticket));
        }
    }
    let mut statement = tx.prepare_cached(
        "SELECT ticket_id FROM messages WHERE message_id = ?1 AND ticket_id IS NOT NULL
         UNION ALL
         SELECT ticket_id FROM outbox WHERE header_message_id = ?1 AND ticket_id IS NOT NULL
         LIMIT 1",
    )?;
    for id in cites.message_ids {
        let found: Option<i64> = statement.query_row([id], |row| row.get(0)).optional()?;
        if let Some(ticket) = found {
            return TicketRow::by_id(tx, ticket);
        }
    }
    Ok(None)
}

/// Stores a ticket's request: for an accepted one, its handles (a
/// resubmission keeps the handle each contact with the same placeholder and
/// name already has, and gives back the ones no longer asked for) and its
/// objects with real handles; for a rejected one, its objects as submitted.
/// The objects replace the ticket's earlier ones.
fn record_request(
    tx: &Connection,
    checked: &Checked,
    accepted: bool,
    ticket: i64,
    message: i64,
    now: i64,
    resubmission: bool,
) -> Result<(Vec<Assignment>, Vec<RenderedObject>), StoreError> {
    let mut assignments = Vec::new();
    let mut held = if resubmission { crate::lifecycle::held_handles(tx, ticket)? } else { Vec::new() };
    if accepted {
        for request in resolve::requests(checked) {
            let same_contact = held.iter().position(|h| {
                h.placeholder.as_deref() == Some(request.label.as_str())
                    && h.name == request.name
                    && h.suffix == request.suffix
            });
            let (assignment, note) = match same_contact {
                Some(index) => {
                    let kept = held.swap_remove(index);
                    let request = HandleRequest { initials: kept.initials, ..request };
                    (Assignment { request, number: kept.number }, ", kept from the earlier request")
                }
                None => (claim_handle(tx, request, ticket, now)?, ""),
            };
            let details =
                format!("{} -> {} ({}){note}", assignment.request.label, assignment.handle(), assignment.request.name);
            log_event(tx, now, EventLevel::Info, Some(ticket), Some(message), EventKind::HandleAssigned, &details)?;
            assignments.push(assignment);
        }
        for gone in held {
            crate::lifecycle::release_handle(tx, now, &gone.handle, ticket, Some(message), "no longer in the request")?;
        }
    }
    let objects = resolve::rewrite(checked, &assignments);
    execute_cached(tx, "DELETE FROM objects WHERE ticket_id = ?1", [ticket])?;
    for (position, object) in objects.iter().enumerate() {
        // The objects as submitted are a view of the form: stored without its secrets (the raw mail, the
        // evidence, keeps them). The rewritten ones are what approval registers, auth hashes included, as
        // a registry keeps them (`export --public` filters them).
        let rewritten = accepted.then_some(object.rewritten());
        execute_cached(
            tx,
            "INSERT INTO objects (ticket_id, position, class, submitted, rewritten) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ticket, position as i64, object.class, mask_text(&object.submitted), rewritten],
        )?;
    }
    if accepted {
        let summary = crate::lifecycle::RequestSummary::of(checked);
        execute_cached(
            tx,
            "UPDATE tickets SET as_name = ?2, neighbours = ?3 WHERE id = ?1",
            params![ticket, summary.as_name, summary.neighbours],
        )?;
    }
    Ok((assignments, objects))
}

/// Logs what the form engine said of a submission on `ticket`.
#[allow(clippy::too_many_arguments)] // One call per branch of `record_message`; a struct would only rename them.
fn log_checked(
    tx: &Connection,
    now: i64,
    checked: &Checked,
    outcome: MessageOutcome,
    ticket: i64,
    message: i64,
    objects: &[RenderedObject],
    assignments: &[Assignment],
) -> Result<(), StoreError> {
    let (kind, details) = match outcome {
        MessageOutcome::Accepted => (
            EventKind::Accepted,
            format!(
                "{} object(s) accepted, {} handle(s) assigned, {} warning(s)",
                objects.len(),
                assignments.len(),
                checked.warning_count()
            ),
        ),
        _ => (EventKind::Rejected, format!("{} object(s) with {} error(s)", objects.len(), checked.error_count())),
    };
    log_event(tx, now, EventLevel::Info, Some(ticket), Some(message), kind, &details)
}

/// `FR-` and [`TAG_LENGTH`] characters drawn from `random` (one byte each).
fn ticket_tag(random: &[u8]) -> String {
    let letters: String = random.iter().map(|b| char::from(TAG_ALPHABET[usize::from(b % 32)])).collect();
    format!("FR-{letters}")
}

/// Claims the lowest free number for the request's initials and suffix.
fn claim_handle(tx: &Connection, request: HandleRequest, ticket: i64, now: i64) -> Result<Assignment, StoreError> {
    let dense_upto: i64 = tx
        .prepare_cached("SELECT dense_upto FROM handle_prefix WHERE initials = ?1 AND suffix = ?2")?
        .query_row(params![request.initials, request.suffix], |row| row.get(0))
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
    execute_cached(
        tx,
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
    execute_cached(
        tx,
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
    let event = Event::new(kind, details).level(level).message_opt(message);
    append_event(
        connection,
        now,
        &match ticket {
            Some(id) => event.ticket(id),
            None => event,
        },
    )
}

pub(crate) fn hex(bytes: &[u8]) -> String {
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
