//! What operators read: the processing log and the details of a ticket.
//! Every text they read passes the secret masker (`auth:` hashes, passwords),
//! whatever the row was written by.

use crate::words::{EventKind, EventLevel, MessageOutcome, TicketState};
use crate::{Store, StoreError};
use formrobot_engine::secrets::mask_text;
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

/// One entry of the processing log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    /// The entry's sequence number.
    pub id: i64,
    /// When it happened, Unix seconds.
    pub at: i64,
    /// `info`, `warn` or `error`.
    pub level: EventLevel,
    /// The ticket tag, when the event concerns a ticket.
    pub ticket: Option<String>,
    /// The message row id, when the event concerns a message.
    pub message: Option<i64>,
    /// What happened: `received`, `accepted`, `handle-assigned`, ...
    pub kind: EventKind,
    /// Details in words.
    pub details: String,
    /// Who made it: `formrobot`, a requester's address, an operator's name.
    pub actor: String,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this ticket's events.
    pub ticket: Option<String>,
    /// Only events at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only events after this sequence number (for following the log).
    pub after: Option<i64>,
    /// Only events at this level.
    pub level: Option<EventLevel>,
    /// Only the newest this many of those that pass (still listed oldest first).
    pub newest: Option<usize>,
}

/// A received message, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageRow {
    /// The row id.
    pub id: i64,
    /// The `Message-ID` header.
    pub message_id: Option<String>,
    /// The sender's address.
    pub sender: Option<String>,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// When it was received, Unix seconds.
    pub received_at: i64,
    /// Where it came from.
    pub origin: String,
    /// What became of it.
    pub outcome: MessageOutcome,
}

/// An object of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectRow {
    /// Its position in the submission.
    pub position: i64,
    /// Its class.
    pub class: String,
    /// As submitted.
    pub submitted: String,
    /// With real handles, for accepted tickets.
    pub rewritten: Option<String>,
}

/// A handle claimed by a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandleRow {
    /// The handle, `JD1-AP`.
    pub handle: String,
    /// The person's or role's name.
    pub name: String,
    /// What the sender wrote in its place.
    pub placeholder: Option<String>,
    /// When it was claimed, Unix seconds.
    pub created_at: i64,
}

/// A part of a mail kept with a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentRow {
    /// The message it came with.
    pub message: i64,
    /// Its file name.
    pub filename: Option<String>,
    /// Its content type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
}

/// Everything about one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketDetail {
    /// The tag, `FR-...`.
    pub tag: String,
    /// Where it stands in its life.
    pub state: TicketState,
    /// The form's dialect.
    pub dialect: String,
    /// Who sent it.
    pub sender: Option<String>,
    /// When it was opened, Unix seconds.
    pub created_at: i64,
    /// When it last changed, Unix seconds.
    pub updated_at: i64,
    /// The mails that concern it.
    pub messages: Vec<MessageRow>,
    /// Its objects.
    pub objects: Vec<ObjectRow>,
    /// The handles it claimed.
    pub handles: Vec<HandleRow>,
    /// Attachments kept with it.
    pub attachments: Vec<AttachmentRow>,
    /// Its events.
    pub events: Vec<EventRow>,
}

const EVENT_COLUMNS: &str = "SELECT e.id, e.at, e.level, t.tag, e.message_id, e.kind, e.details, e.actor
     FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id";

/// An event as operators may read it: its details with secrets masked.
fn event_row(row: &Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: row.get(0)?,
        at: row.get(1)?,
        level: row.get(2)?,
        ticket: row.get(3)?,
        message: row.get(4)?,
        kind: row.get(5)?,
        details: mask_text(&row.get::<_, String>(6)?).into_owned(),
        actor: row.get(7)?,
    })
}

/// A mail of a ticket, as stored: received from the requester, or queued to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMail {
    /// Whether the robot sent it (a reply or a hostmaster's mail).
    pub outgoing: bool,
    /// When it was received or queued, Unix seconds.
    pub at: i64,
    /// Its sender (in) or recipient (out).
    pub address: Option<String>,
    /// The whole message.
    pub raw: Vec<u8>,
    /// Where an incoming one came from (`imap:...`, `process`, `api:KEY`); `None` for outgoing mail.
    pub origin: Option<String>,
}

impl Store {
    /// The AS numbers assigned to ticket `tag`, in order.
    pub fn ticket_asns(&self, tag: &str) -> Result<Vec<u32>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT a.asn FROM asn_assignments a JOIN tickets t ON t.id = a.ticket_id WHERE t.tag = ?1 ORDER BY a.position",
        )?;
        let rows = statement.query_map([tag], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every mail of ticket `tag`, in and out, in the order they came and went.
    pub fn ticket_mails(&self, tag: &str) -> Result<Vec<StoredMail>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT 0, m.received_at, m.sender, m.raw, m.id, 0, m.origin FROM messages m JOIN tickets t ON t.id = m.ticket_id
             WHERE t.tag = ?1
             UNION ALL
             SELECT 1, o.created_at, o.recipient, o.body, o.message_id, o.id, NULL FROM outbox o JOIN tickets t ON t.id = o.ticket_id
             WHERE t.tag = ?1
             ORDER BY 2, 5, 1, 6",
        )?;
        let rows = statement.query_map([tag], |row| {
            Ok(StoredMail {
                outgoing: row.get::<_, i64>(0)? == 1,
                at: row.get(1)?,
                address: row.get(2)?,
                raw: row.get(3)?,
                origin: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The events that pass `filter`, oldest first.
    pub fn events(&self, filter: &EventFilter) -> Result<Vec<EventRow>, StoreError> {
        // The newest N are the first N in reverse order, turned back afterwards.
        let sql = format!(
            "{EVENT_COLUMNS}
             WHERE (?1 IS NULL OR t.tag = ?1) AND (?2 IS NULL OR e.at >= ?2) AND (?3 IS NULL OR e.id > ?3)
               AND (?4 IS NULL OR e.level = ?4)
             ORDER BY e.id {} LIMIT ?5",
            if filter.newest.is_some() { "DESC" } else { "ASC" }
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let limit = filter.newest.map_or(-1, |n| n as i64);
        let rows =
            statement.query_map(params![filter.ticket, filter.since, filter.after, filter.level, limit], event_row)?;
        let mut events: Vec<EventRow> = rows.collect::<Result<_, _>>()?;
        if filter.newest.is_some() {
            events.reverse();
        }
        Ok(events)
    }

    /// The latest submission on ticket `tag` (templates by mail, or a request
    /// through the API): when it came, its bytes, and where from.
    pub fn latest_submission(&self, tag: &str) -> Result<Option<StoredMail>, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT m.received_at, m.sender, m.raw, m.origin FROM messages m JOIN tickets t ON t.id = m.ticket_id
                 WHERE t.tag = ?1 AND m.outcome IN (?2, ?3) ORDER BY m.id DESC LIMIT 1",
                params![crate::lifecycle::normalise_tag(tag), MessageOutcome::Accepted, MessageOutcome::Rejected],
                |row| {
                    Ok(StoredMail {
                        outgoing: false,
                        at: row.get(0)?,
                        address: row.get(1)?,
                        raw: row.get(2)?,
                        origin: row.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Everything recorded about ticket `tag` (case-insensitive, with or without brackets).
    pub fn ticket(&self, tag: &str) -> Result<TicketDetail, StoreError> {
        let tag = crate::lifecycle::normalise_tag(tag);
        let connection = &self.connection;
        let header = connection
            .query_row(
                "SELECT id, tag, status, dialect, sender, created_at, updated_at FROM tickets WHERE tag = ?1",
                [&tag],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        TicketDetail {
                            tag: row.get(1)?,
                            state: row.get(2)?,
                            dialect: row.get(3)?,
                            sender: row.get(4)?,
                            created_at: row.get(5)?,
                            updated_at: row.get(6)?,
                            messages: Vec::new(),
                            objects: Vec::new(),
                            handles: Vec::new(),
                            attachments: Vec::new(),
                            events: Vec::new(),
                        },
                    ))
                },
            )
            .optional()?;
        let Some((id, mut detail)) = header else {
            return Err(StoreError::NoSuchTicket(tag));
        };
        let mut messages = connection.prepare_cached(
            "SELECT id, message_id, sender, size, sha256, received_at, origin, outcome
             FROM messages WHERE ticket_id = ?1 ORDER BY id",
        )?;
        detail.messages = messages
            .query_map([id], |row| {
                Ok(MessageRow {
                    id: row.get(0)?,
                    message_id: row.get(1)?,
                    sender: row.get(2)?,
                    size: row.get(3)?,
                    sha256: row.get(4)?,
                    received_at: row.get(5)?,
                    origin: row.get(6)?,
                    outcome: row.get(7)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut objects = connection.prepare_cached(
            "SELECT position, class, submitted, rewritten FROM objects WHERE ticket_id = ?1 ORDER BY position",
        )?;
        detail.objects = objects
            .query_map([id], |row| {
                // Stored masked since schema 6; rows from before are masked here.
                Ok(ObjectRow {
                    position: row.get(0)?,
                    class: row.get(1)?,
                    submitted: mask_text(&row.get::<_, String>(2)?).into_owned(),
                    rewritten: row.get::<_, Option<String>>(3)?.as_deref().map(|text| mask_text(text).into_owned()),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut handles = connection.prepare_cached(
            "SELECT handle, name, placeholder, created_at FROM nic_handles WHERE ticket_id = ?1 ORDER BY rowid",
        )?;
        detail.handles = handles
            .query_map([id], |row| {
                Ok(HandleRow {
                    handle: row.get(0)?,
                    name: row.get(1)?,
                    placeholder: row.get(2)?,
                    created_at: row.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut attachments = connection.prepare_cached(
            "SELECT message_id, filename, content_type, size FROM attachments WHERE ticket_id = ?1 ORDER BY id",
        )?;
        detail.attachments = attachments
            .query_map([id], |row| {
                Ok(AttachmentRow {
                    message: row.get(0)?,
                    filename: row.get(1)?,
                    content_type: row.get(2)?,
                    size: row.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        detail.events = self.events(&EventFilter { ticket: Some(detail.tag.clone()), ..EventFilter::default() })?;
        Ok(detail)
    }
}
