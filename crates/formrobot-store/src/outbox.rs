//! The outbox: replies wait here until a mail server has accepted them.
//!
//! A reply is marked sent only after the server said yes. Until then it is
//! retried with backoff; a permanent refusal is recorded on its ticket.

use crate::record::log_event;
use crate::words::{EventKind, EventLevel, OutboxState};
use crate::{Store, StoreError};
use rusqlite::params;

/// A reply due to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedReply {
    /// The outbox row.
    pub id: i64,
    /// The recipient.
    pub recipient: String,
    /// The whole message.
    pub message: Vec<u8>,
    /// Tries so far.
    pub attempts: i64,
}

/// How long a claimed reply stays with the sender that claimed it. Should that
/// sender die before handing the reply over, another takes it after this (a
/// daemon killed in the middle of a reply sends it this long after its
/// restart). A sender slower than this loses its claim and does not send the
/// body ([`Store::mark_sending`] refuses), so nothing goes out twice.
pub const CLAIM_SECONDS: i64 = 60;

/// A reply claimed by one sender: no other sender takes it while the claim runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// The outbox row.
    pub id: i64,
    /// When the claim runs out (Unix seconds); it also tells this claim from a later one.
    pub until: i64,
}

/// The ticket, message and recipient of outbox row `id`, for its events.
fn owner(connection: &rusqlite::Connection, id: i64) -> Result<(Option<i64>, i64, String), StoreError> {
    Ok(connection.query_row("SELECT ticket_id, message_id, recipient FROM outbox WHERE id = ?1", [id], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    })?)
}

impl Store {
    /// Makes this connection's commits wait for the operating system, not the disk.
    ///
    /// In WAL mode such commits survive a killed process; only a power loss
    /// could undo the last few. Two users:
    /// - the sender: marking a reply sent must follow the server's "250" as
    ///   closely as possible, because a crash between the two means the reply
    ///   goes out again; after a power loss a reply is sent twice, never lost;
    /// - `replay`, whose mails are still in their files: a replay cut short by
    ///   a power loss is run again (its reply files are not synced before its
    ///   end either), and replaying is idempotent. It syncs everything at its
    ///   end ([`Store::sync_committed`]) before it reports the mails replayed.
    ///
    /// A recorded mail must be on the disk before the mailbox's copy (or the
    /// MTA's) is gone: `process` keeps full durability, and the daemon's
    /// intake, which also commits this way, syncs ([`Store::sync_committed`])
    /// before it moves a recorded mail out of the inbox or lets its reply go.
    pub fn prefer_fast_commits(&self) -> Result<(), StoreError> {
        self.connection.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    /// The reply queued for message `message` and where that message came from
    /// (`replay:PATH`, ...): for writing a reply file again when the same mail
    /// is replayed and its file is missing.
    pub fn reply_to_message(&self, message: i64) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(crate::query_row_cached(
            &self.connection,
            "SELECT m.origin, o.body FROM outbox o JOIN messages m ON m.id = o.message_id
             WHERE o.message_id = ?1 ORDER BY o.id LIMIT 1",
            [message],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?)
    }

    /// Replies queued and due at `now`, oldest first, at most `limit`.
    pub fn due_replies(&self, now: i64, limit: usize) -> Result<Vec<QueuedReply>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT id, recipient, body, attempts FROM outbox
             WHERE status = ?3 AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = statement.query_map(params![now, limit as i64, OutboxState::Queued], |row| {
            Ok(QueuedReply { id: row.get(0)?, recipient: row.get(1)?, message: row.get(2)?, attempts: row.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Claims queued reply `id` for one sender, if it is still queued, due and
    /// unclaimed; `None` when another sender has it (or had it: sent, refused).
    ///
    /// The claim is one UPDATE that moves the reply's next try past the claim's
    /// end, so that it is no longer due for anyone else, and only if it was due:
    /// of several senders that saw the reply due, exactly one changes the row.
    pub fn claim_reply(&mut self, id: i64, now: i64) -> Result<Option<Claim>, StoreError> {
        let until = now + CLAIM_SECONDS;
        let changed = self.connection.execute(
            "UPDATE outbox SET next_attempt_at = ?3 WHERE id = ?1 AND status = ?4 AND next_attempt_at <= ?2",
            params![id, now, until, OutboxState::Queued],
        )?;
        Ok((changed == 1).then_some(Claim { id, until }))
    }

    /// The server is about to receive the claimed reply's body: from here on, a
    /// crash counts it as sent. False if the claim ran out and the reply is no
    /// longer this sender's: then the body must not be sent.
    pub fn mark_sending(&mut self, claim: &Claim) -> Result<bool, StoreError> {
        let changed = self.connection.execute(
            "UPDATE outbox SET status = ?2 WHERE id = ?1 AND status = ?3 AND next_attempt_at = ?4",
            params![claim.id, OutboxState::Sending, OutboxState::Queued, claim.until],
        )?;
        Ok(changed == 1)
    }

    /// Replies that were being handed over when their sender stopped, settled as sent; how many.
    ///
    /// The server takes a message when it receives its final dot, which follows
    /// the `sending` mark within microseconds: sending again would almost
    /// surely answer twice. A reply is settled once its claim has run out, so
    /// that a sender still at work (another `process`) is left to finish.
    pub fn settle_interrupted_sends(&mut self, now: i64) -> Result<usize, StoreError> {
        let ids: Vec<i64> = {
            let mut statement = self
                .connection
                .prepare_cached("SELECT id FROM outbox WHERE status = ?1 AND next_attempt_at <= ?2 ORDER BY id")?;
            let rows = statement.query_map(params![OutboxState::Sending, now], |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for id in &ids {
            self.mark_sent(*id, now, "unconfirmed: the robot stopped while the server was taking the reply")?;
        }
        Ok(ids.len())
    }

    /// The server accepted reply `id`.
    pub fn mark_sent(&mut self, id: i64, now: i64, server_said: &str) -> Result<(), StoreError> {
        let tx = self.connection.transaction()?;
        tx.execute(
            "UPDATE outbox SET status = ?3, sent_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
            params![id, now, OutboxState::Sent],
        )?;
        let (ticket, message, recipient) = owner(&tx, id)?;
        log_event(
            &tx,
            now,
            EventLevel::Info,
            ticket,
            Some(message),
            EventKind::ReplySent,
            &format!("to {recipient}: {server_said}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Sending reply `id` failed for now; try again at `retry_at`.
    pub fn mark_retry(&mut self, id: i64, now: i64, retry_at: i64, error: &str) -> Result<(), StoreError> {
        let tx = self.connection.transaction()?;
        tx.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, retry_at, error],
        )?;
        let (ticket, message, _) = owner(&tx, id)?;
        log_event(
            &tx,
            now,
            EventLevel::Warn,
            ticket,
            Some(message),
            EventKind::ReplyDeferred,
            &format!("{error}; next try in {} s", retry_at - now),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The server refused reply `id` for good; recorded on its ticket.
    pub fn mark_failed(&mut self, id: i64, now: i64, error: &str) -> Result<(), StoreError> {
        let tx = self.connection.transaction()?;
        tx.execute(
            "UPDATE outbox SET status = ?3, attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            params![id, error, OutboxState::Failed],
        )?;
        let (ticket, message, _) = owner(&tx, id)?;
        log_event(&tx, now, EventLevel::Error, ticket, Some(message), EventKind::ReplyRefused, error)?;
        if let Some(ticket) = ticket {
            tx.execute("UPDATE tickets SET updated_at = ?2 WHERE id = ?1", params![ticket, now])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Writes one event that concerns no single mail (connections, shutdown).
    pub fn log(&self, now: i64, level: EventLevel, kind: EventKind, details: &str) -> Result<(), StoreError> {
        log_event(&self.connection, now, level, None, None, kind, details)
    }
}
