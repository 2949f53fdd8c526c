//! A ticket's life: its states, who changed them, and the handles it holds.
//!
//! Every change of state is one `state-changed` event saying `old -> new`
//! and who made it (`events.actor`: the robot, a requester's address, an
//! operator's name), written in the same transaction as the change. Mail
//! (`record`) and operators (`review`) change states only through
//! [`change_state`].

use crate::execute_cached;
use crate::words::{EventKind, EventLevel, TicketState};
use crate::StoreError;
use formrobot_engine::check::Checked;
use formrobot_engine::validate::Disposition;
use rusqlite::{params, Connection, Row};
use std::collections::BTreeSet;

/// Who the robot is in the event log when it acts on its own.
pub const ROBOT: &str = "formrobot";

/// A ticket's identity and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TicketRow {
    /// Its row id.
    pub id: i64,
    /// Its tag, `FR-...`.
    pub tag: String,
    /// Its state.
    pub state: TicketState,
    /// Where mail to the requester goes (the opening mail's Reply-To, else From).
    pub sender: Option<String>,
    /// The opening mail's From.
    pub requester_from: Option<String>,
    /// The form's dialect, `apnic` or `ripe`.
    pub dialect: String,
    /// The API request type it was opened with; `None` for a mailed request.
    pub request_type: Option<String>,
}

const TICKET_COLUMNS: &str = "SELECT id, tag, status, sender, requester_from, dialect, request_type FROM tickets";

impl TicketRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<TicketRow> {
        Ok(TicketRow {
            id: row.get(0)?,
            tag: row.get(1)?,
            state: row.get(2)?,
            sender: row.get(3)?,
            requester_from: row.get(4)?,
            dialect: row.get(5)?,
            request_type: row.get(6)?,
        })
    }

    /// The ticket tagged `tag` (case-insensitive, brackets allowed).
    pub fn by_tag(connection: &Connection, tag: &str) -> Result<Option<TicketRow>, StoreError> {
        let tag = normalise_tag(tag);
        let sql = format!("{TICKET_COLUMNS} WHERE tag = ?1");
        Ok(crate::query_row_cached(connection, &sql, [tag], TicketRow::from_row)?)
    }

    /// The ticket with row id `id`.
    pub fn by_id(connection: &Connection, id: i64) -> Result<Option<TicketRow>, StoreError> {
        let sql = format!("{TICKET_COLUMNS} WHERE id = ?1");
        Ok(crate::query_row_cached(connection, &sql, [id], TicketRow::from_row)?)
    }

    /// Whether mail from `address` comes from the requester: the address that
    /// opened the ticket, or the Reply-To it gave (case-insensitive).
    pub fn is_requester(&self, address: Option<&str>) -> bool {
        let Some(address) = address else { return false };
        [&self.sender, &self.requester_from]
            .into_iter()
            .flatten()
            .any(|known| known.eq_ignore_ascii_case(address.trim()))
    }
}

/// A ticket tag as stored: upper case, without brackets or blanks.
pub fn normalise_tag(tag: &str) -> String {
    tag.trim().trim_start_matches('[').trim_end_matches(']').trim().to_ascii_uppercase()
}

/// One entry for the event log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event<'a> {
    level: EventLevel,
    ticket: Option<i64>,
    message: Option<i64>,
    kind: EventKind,
    details: &'a str,
    actor: &'a str,
}

impl<'a> Event<'a> {
    /// An `info` event by the robot, about no ticket or message.
    pub fn new(kind: EventKind, details: &'a str) -> Event<'a> {
        Event { level: EventLevel::Info, ticket: None, message: None, kind, details, actor: ROBOT }
    }

    /// At `level`.
    pub fn level(self, level: EventLevel) -> Event<'a> {
        Event { level, ..self }
    }

    /// About ticket `id`.
    pub fn ticket(self, id: i64) -> Event<'a> {
        Event { ticket: Some(id), ..self }
    }

    /// About message `id`.
    pub fn message(self, id: i64) -> Event<'a> {
        Event { message: Some(id), ..self }
    }

    /// About message `id`, if there is one.
    pub fn message_opt(self, id: Option<i64>) -> Event<'a> {
        Event { message: id, ..self }
    }

    /// Made by `actor`.
    pub fn by(self, actor: &'a str) -> Event<'a> {
        Event { actor, ..self }
    }
}

/// Appends `event` to the log.
pub(crate) fn append_event(connection: &Connection, now: i64, event: &Event<'_>) -> Result<(), StoreError> {
    execute_cached(
        connection,
        "INSERT INTO events (at, level, ticket_id, message_id, kind, details, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![now, event.level, event.ticket, event.message, event.kind, event.details, event.actor],
    )?;
    Ok(())
}

/// Moves `ticket` to `to`, logging who did it. The update names the state
/// the caller saw, so a ticket another writer changed meanwhile is not moved
/// (the caller's transaction makes that impossible; this keeps it so).
pub(crate) fn change_state(
    connection: &Connection,
    now: i64,
    ticket: &TicketRow,
    to: TicketState,
    actor: &str,
    message: Option<i64>,
) -> Result<(), StoreError> {
    let changed = execute_cached(
        connection,
        "UPDATE tickets SET status = ?3, updated_at = ?4 WHERE id = ?1 AND status = ?2",
        params![ticket.id, ticket.state, to, now],
    )?;
    if changed != 1 {
        return Err(StoreError::WrongState { ticket: ticket.tag.clone(), state: ticket.state, wanted: "unchanged" });
    }
    let details = format!("{} -> {to}", ticket.state);
    append_event(
        connection,
        now,
        &Event::new(EventKind::StateChanged, &details).ticket(ticket.id).message_opt(message).by(actor),
    )
}

/// Notes that something happened on `ticket` (its last activity).
pub(crate) fn touch_ticket(connection: &Connection, ticket: i64, now: i64) -> Result<(), StoreError> {
    execute_cached(
        connection,
        "UPDATE tickets SET updated_at = MAX(updated_at, ?2) WHERE id = ?1",
        params![ticket, now],
    )?;
    Ok(())
}

/// A NIC handle a ticket claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeldHandle {
    pub handle: String,
    pub initials: String,
    pub number: u32,
    pub suffix: String,
    pub name: String,
    pub placeholder: Option<String>,
}

/// The numbered handles `ticket` holds, in the order they were claimed.
pub(crate) fn held_handles(connection: &Connection, ticket: i64) -> Result<Vec<HeldHandle>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT handle, initials, number, suffix, name, placeholder FROM nic_handles
         WHERE ticket_id = ?1 AND number IS NOT NULL ORDER BY rowid",
    )?;
    let rows = statement.query_map([ticket], |row| {
        Ok(HeldHandle {
            handle: row.get(0)?,
            initials: row.get(1)?,
            number: row.get(2)?,
            suffix: row.get(3)?,
            name: row.get(4)?,
            placeholder: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Gives `handle` back: it was never published, so it may be claimed again
/// (the delete trigger lowers the prefix's dense mark).
pub(crate) fn release_handle(
    connection: &Connection,
    now: i64,
    handle: &str,
    ticket: i64,
    message: Option<i64>,
    why: &str,
) -> Result<(), StoreError> {
    execute_cached(
        connection,
        "DELETE FROM nic_handles WHERE handle = ?1 AND ticket_id = ?2",
        params![handle, ticket],
    )?;
    let details = format!("{handle} released: {why}");
    append_event(connection, now, &Event::new(EventKind::HandleReleased, &details).ticket(ticket).message_opt(message))
}

/// What the operators' queue shows of an accepted request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestSummary {
    /// The as-name of its aut-num(s), comma-separated.
    pub as_name: Option<String>,
    /// The distinct neighbouring ASes its routing policies name.
    pub neighbours: i64,
}

impl RequestSummary {
    /// The summary of an accepted submission.
    pub fn of(checked: &Checked) -> RequestSummary {
        let aut_nums: Vec<usize> = checked
            .validation
            .objects
            .iter()
            .filter(|o| o.disposition == Disposition::Checked && &*o.class == "aut-num")
            .map(|o| o.index)
            .collect();
        let names: Vec<String> = aut_nums
            .iter()
            .filter_map(|&index| checked.submission.objects.get(index)?.first("as-name"))
            .map(|attribute| attribute.joined().text().trim().to_owned())
            .filter(|name| !name.is_empty())
            .collect();
        let neighbours: BTreeSet<u32> = checked
            .validation
            .neighbours
            .iter()
            // In object order, as the summaries are: a search, not a scan per fact.
            .filter(|fact| aut_nums.binary_search(&fact.object).is_ok())
            .map(|fact| fact.asn)
            .collect();
        RequestSummary {
            as_name: (!names.is_empty()).then(|| names.join(", ")),
            neighbours: i64::try_from(neighbours.len()).unwrap_or(i64::MAX),
        }
    }
}
