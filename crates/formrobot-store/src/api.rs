//! The Resource Request API's side of the store: the keys (only their
//! hashes), the tickets requests open, and what a key may read of them.
//!
//! A request is recorded like a mail: its JSON body, exactly as received, is
//! a row of `messages` (origin `api:KEY-NAME`) written before anything else
//! is done, in the same transaction that opens its ticket, stores the
//! objects it will create and queues the acknowledgement. Its ticket is an
//! ordinary ticket in the same queue; it also remembers the key that opened
//! it, so that only that key reads its state.

use crate::execute_cached;
use crate::lifecycle::{append_event, Event};
use crate::record::{
    hex, insert_message, insert_ticket, keep_attachments, log_received, queue_reply, AttachmentRef, IncomingMail,
    NewTicket, Outgoing, Received,
};
use crate::words::{EventKind, MessageOutcome, TicketState};
use crate::{Store, StoreError};
use formrobot_engine::secrets::mask_text;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How the `origin` of a request's body begins: `api:KEY-NAME`.
const ORIGIN_PREFIX: &str = "api:";

/// The name of the key a message came with, when its origin says it is a
/// request through the API (its bytes are JSON, not a mail).
pub fn api_key_of_origin(origin: &str) -> Option<&str> {
    origin.strip_prefix(ORIGIN_PREFIX)
}

/// An API key as the store knows it: a name, never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    /// Its row id.
    #[serde(skip)]
    pub id: i64,
    /// The name an operator gave it.
    pub name: String,
    /// When it was made, Unix seconds.
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// A request taken through the API, to be recorded with its new ticket.
#[derive(Debug, Clone, Copy)]
pub struct ApiRequest<'a> {
    /// The body exactly as received.
    pub raw: &'a [u8],
    /// The key it came with.
    pub key: &'a ApiKey,
    /// The `requestType` (`AsnAssignment`, ...).
    pub request_type: &'a str,
    /// The dialect its objects are written in (`RIPE-228`).
    pub dialect: &'a str,
    /// The contact person's address: the requester.
    pub contact: &'a str,
    /// Everyone mailed about it, comma-separated, the contact first.
    pub recipients: &'a str,
    /// The objects approval will create, `(class, text)`.
    pub objects: &'a [(String, String)],
    /// The as-name asked for, for the queue.
    pub as_name: Option<&'a str>,
    /// How many distinct neighbours its policy names, for the queue.
    pub neighbours: i64,
    /// The documents sent with it, decoded.
    pub attachments: &'a [AttachmentRef<'a>],
}

/// What recording a request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRecorded {
    /// The new ticket's tag.
    pub ticket: String,
    /// The acknowledgement queued, if one could be written.
    pub acknowledgement: Option<Outgoing>,
}

/// What a key may read of a ticket it opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTicket {
    /// The tag.
    pub ticket: String,
    /// Its state.
    pub status: TicketState,
    /// The request type it was opened with.
    #[serde(rename = "requestType")]
    pub request_type: String,
    /// The AS numbers assigned to it (once approved).
    pub asns: Vec<u32>,
}

/// The SHA-256 of a key, hex: all the store keeps of it.
pub fn key_hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

/// Why a key could not be made or revoked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A key of that name exists (revoked keys keep their names).
    #[error("an API key named '{0}' exists already; choose another name")]
    NameTaken(String),
    /// No key of that name.
    #[error("no API key named '{0}'")]
    NoSuchKey(String),
    /// The key was revoked before.
    #[error("the API key '{0}' is revoked already")]
    Revoked(String),
}

const KEY_COLUMNS: &str = "SELECT id, name, created_at, revoked_at FROM api_keys";

fn key_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey { id: row.get(0)?, name: row.get(1)?, created_at: row.get(2)?, revoked_at: row.get(3)? })
}

impl Store {
    /// Stores a new key by the hash of `key`, under `name`, in `operator`'s name.
    pub fn create_api_key(&mut self, name: &str, key: &str, operator: &str, now: i64) -> Result<ApiKey, StoreError> {
        let tx = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = execute_cached(
            &tx,
            "INSERT OR IGNORE INTO api_keys (name, sha256, created_at) VALUES (?1, ?2, ?3)",
            params![name, key_hash(key), now],
        )?;
        if inserted != 1 {
            return Err(KeyError::NameTaken(name.to_owned()).into());
        }
        let created = ApiKey { id: tx.last_insert_rowid(), name: name.to_owned(), created_at: now, revoked_at: None };
        append_event(&tx, now, &Event::new(EventKind::ApiKeyCreated, name).by(operator))?;
        tx.commit()?;
        Ok(created)
    }

    /// Every key, in the order they were made.
    pub fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let mut statement = self.connection.prepare_cached(&format!("{KEY_COLUMNS} ORDER BY id"))?;
        let rows = statement.query_map([], key_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes the key `name`: from now on it opens nothing.
    pub fn revoke_api_key(&mut self, name: &str, operator: &str, now: i64) -> Result<ApiKey, StoreError> {
        let tx = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let key = tx
            .query_row(&format!("{KEY_COLUMNS} WHERE name = ?1"), [name], key_row)
            .optional()?
            .ok_or_else(|| KeyError::NoSuchKey(name.to_owned()))?;
        if key.revoked_at.is_some() {
            return Err(KeyError::Revoked(name.to_owned()).into());
        }
        execute_cached(&tx, "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1", params![key.id, now])?;
        append_event(&tx, now, &Event::new(EventKind::ApiKeyRevoked, name).by(operator))?;
        tx.commit()?;
        Ok(ApiKey { revoked_at: Some(now), ..key })
    }

    /// The live (not revoked) key whose value is `key`, if any.
    pub fn api_key(&self, key: &str) -> Result<Option<ApiKey>, StoreError> {
        let sql = format!("{KEY_COLUMNS} WHERE sha256 = ?1 AND revoked_at IS NULL");
        Ok(self.connection.query_row(&sql, [key_hash(key)], key_row).optional()?)
    }

    /// Records a validated request: its body, a new `pending-review` ticket
    /// holding its objects, its documents, and the acknowledgement `compose`
    /// writes for the new tag. Everything or nothing is stored.
    pub fn record_api_request(
        &mut self,
        request: &ApiRequest<'_>,
        now: i64,
        compose: impl FnOnce(&str) -> Option<Outgoing>,
    ) -> Result<ApiRecorded, StoreError> {
        let tx = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let origin = format!("{ORIGIN_PREFIX}{}", request.key.name);
        let body = IncomingMail {
            raw: request.raw,
            message_id: None,
            identity: None,
            sender: Some(request.contact),
            origin: &origin,
            attachments: request.attachments,
            reply_limit: None,
            imap: None,
            from: Some(request.contact),
            cites: Default::default(),
        };
        let sha256 = hex(&Sha256::digest(request.raw));
        let received = Received { sha256: &sha256, identity: None };
        let message = insert_message(&tx, &body, &received, now, MessageOutcome::Accepted, None, None)?;
        log_received(&tx, &body, message, now)?;
        let opening = NewTicket {
            state: TicketState::PendingReview,
            dialect: request.dialect,
            sender: Some(request.recipients),
            requester_from: Some(request.contact),
        };
        let (ticket, tag) = insert_ticket(&tx, &opening, now)?;
        execute_cached(
            &tx,
            "UPDATE tickets SET api_key_id = ?2, request_type = ?3, as_name = ?4, neighbours = ?5 WHERE id = ?1",
            params![ticket, request.key.id, request.request_type, request.as_name, request.neighbours],
        )?;
        execute_cached(&tx, "UPDATE messages SET ticket_id = ?1 WHERE id = ?2", params![ticket, message])?;
        for (position, (class, text)) in request.objects.iter().enumerate() {
            execute_cached(
                &tx,
                "INSERT INTO objects (ticket_id, position, class, submitted, rewritten) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![ticket, position as i64, class, mask_text(text), text],
            )?;
        }
        let details = format!(
            "{} request through the API (key {}): {} object(s) to create",
            request.request_type,
            request.key.name,
            request.objects.len()
        );
        append_event(&tx, now, &Event::new(EventKind::Accepted, &details).ticket(ticket).message(message))?;
        keep_attachments(&tx, &body, message, Some(ticket), now)?;
        let acknowledgement = compose(&tag);
        if let Some(mail) = &acknowledgement {
            queue_reply(&tx, now, message, Some(ticket), mail)?;
        }
        tx.commit()?;
        Ok(ApiRecorded { ticket: tag, acknowledgement })
    }

    /// The ticket `tag` as `key` may read it: only a ticket that key opened.
    pub fn api_ticket(&self, tag: &str, key: &ApiKey) -> Result<Option<ApiTicket>, StoreError> {
        let tag = crate::lifecycle::normalise_tag(tag);
        let found = self
            .connection
            .query_row(
                "SELECT tag, status, request_type FROM tickets WHERE tag = ?1 AND api_key_id = ?2",
                params![tag, key.id],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, TicketState>(1)?, row.get::<_, Option<String>>(2)?)),
            )
            .optional()?;
        let Some((ticket, status, request_type)) = found else { return Ok(None) };
        let asns = self.ticket_asns(&ticket)?;
        Ok(Some(ApiTicket { ticket, status, request_type: request_type.unwrap_or_default(), asns }))
    }
}
