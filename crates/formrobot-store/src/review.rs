//! What hostmasters do to a ticket, as store operations: the queue of open
//! tickets, and one review transaction per action (ask, approve, decline)
//! in which the state changes, AS numbers are assigned, objects are
//! registered, handles are released and the mail to the requester is queued,
//! all or nothing. An action that is refused (wrong state, no free number)
//! drops the transaction: nothing is changed.
//!
//! The actions themselves (what is checked, what is written to the requester)
//! live in the shell's `operator` module, the one code path of every front end.

use crate::import::identify_text;
use crate::lifecycle::{self, append_event, change_state, Event, TicketRow};
use crate::record::{queue_reply, Outgoing};
use crate::words::{EventKind, EventLevel, MessageOutcome, TicketState};
use crate::{Store, StoreError};
use formrobot_engine::register::AsnRange;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;

/// An open ticket as the queue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueRow {
    /// The tag, `FR-...`.
    pub ticket: String,
    /// Its state.
    pub state: TicketState,
    /// When it was opened, Unix seconds.
    pub created_at: i64,
    /// Where mail to the requester goes.
    pub requester: Option<String>,
    /// The as-name(s) of its accepted request.
    pub as_name: Option<String>,
    /// The distinct neighbouring ASes its policies name.
    pub neighbours: Option<i64>,
    /// When anything last happened on it, Unix seconds.
    pub last_activity: i64,
}

/// Why an AS number could not be assigned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsnError {
    /// No pool is configured.
    #[error("no AS number pool is configured: set [registry] asn_pools")]
    NoPools,
    /// Every number of every pool is taken.
    #[error("the AS number pools ({pools}) are exhausted: every number in them is assigned")]
    Exhausted {
        /// The pools, as configured.
        pools: String,
    },
    /// The number asked for is in no pool.
    #[error("AS{0} is in none of the configured pools")]
    NotInPool(u32),
    /// The number asked for is assigned or registered already.
    #[error("AS{0} is already assigned")]
    Taken(u32),
    /// `--asn` names one number, but the request asks for several.
    #[error("the request asks for {0} AS numbers; --asn can name only one")]
    OneForMany(usize),
}

impl Store {
    /// The tickets in `state`, or every open one (not approved, declined or forwarded), oldest first.
    pub fn queue(&self, state: Option<TicketState>) -> Result<Vec<QueueRow>, StoreError> {
        self.queue_matching(state, None)
    }

    /// As [`Store::queue`], only the tickets where `search` (case-insensitive)
    /// is part of the tag, the requester's address, the as-name or a handle the ticket holds.
    pub fn queue_matching(
        &self,
        state: Option<TicketState>,
        search: Option<&str>,
    ) -> Result<Vec<QueueRow>, StoreError> {
        // instr, not LIKE: what an operator types is text, never a pattern.
        let mut statement = self.connection.prepare_cached(
            "SELECT tag, status, created_at, sender, as_name, neighbours, updated_at FROM tickets t
             WHERE ((?1 IS NULL AND status NOT IN (?2, ?3, ?4)) OR status = ?1)
               AND (?5 IS NULL OR instr(lower(tag), ?5) > 0 OR instr(lower(coalesce(sender, '')), ?5) > 0
                    OR instr(lower(coalesce(requester_from, '')), ?5) > 0
                    OR instr(lower(coalesce(as_name, '')), ?5) > 0
                    OR EXISTS (SELECT 1 FROM nic_handles h WHERE h.ticket_id = t.id AND instr(lower(h.handle), ?5) > 0))
             ORDER BY created_at, id",
        )?;
        let search = search.map(|text| text.trim().to_lowercase()).filter(|text| !text.is_empty());
        let rows = statement.query_map(
            params![state, TicketState::Approved, TicketState::Declined, TicketState::Forwarded, search],
            |row| {
                Ok(QueueRow {
                    ticket: row.get(0)?,
                    state: row.get(1)?,
                    created_at: row.get(2)?,
                    requester: row.get(3)?,
                    as_name: row.get(4)?,
                    neighbours: row.get(5)?,
                    last_activity: row.get(6)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Ticket `tag`'s request: what opened it and its accepted objects.
    pub fn ticket_request(&self, tag: &str) -> Result<TicketRequest, StoreError> {
        let ticket = TicketRow::by_tag(&self.connection, tag)?
            .ok_or_else(|| StoreError::NoSuchTicket(lifecycle::normalise_tag(tag)))?;
        let api_body = match ticket.request_type {
            Some(_) => self
                .connection
                .query_row(
                    "SELECT raw FROM messages WHERE ticket_id = ?1 AND origin LIKE 'api:%' ORDER BY id LIMIT 1",
                    [ticket.id],
                    |row| row.get(0),
                )
                .optional()?,
            None => None,
        };
        let mut statement = self.connection.prepare_cached(
            "SELECT class, rewritten FROM objects WHERE ticket_id = ?1 AND rewritten IS NOT NULL ORDER BY position",
        )?;
        let objects =
            statement.query_map([ticket.id], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<_, _>>()?;
        Ok(TicketRequest {
            tag: ticket.tag,
            state: ticket.state,
            request_type: ticket.request_type,
            api_body,
            objects,
            requester: ticket.requester_from.or(ticket.sender),
        })
    }

    /// Starts an operator's action on ticket `tag`: one write transaction,
    /// kept only by [`Review::commit`].
    pub fn review(&mut self, tag: &str, operator: &str, now: i64) -> Result<Review<'_>, StoreError> {
        let tx = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ticket =
            TicketRow::by_tag(&tx, tag)?.ok_or_else(|| StoreError::NoSuchTicket(lifecycle::normalise_tag(tag)))?;
        Ok(Review { tx, ticket, operator: operator.to_owned(), now })
    }
}

/// The last mail the requester sent on a ticket, which an operator's mail answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequesterMail {
    /// Its message row id.
    pub message: i64,
    /// Its bytes, as received.
    pub raw: Vec<u8>,
    /// Where it came from (`api:KEY` for a request made through the API, whose bytes are JSON, not a mail).
    pub origin: String,
}

/// A ticket's request, as passing it on to another registry needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRequest {
    /// The tag.
    pub tag: String,
    /// The state.
    pub state: TicketState,
    /// The API request type it was opened with; `None` for a mailed request.
    pub request_type: Option<String>,
    /// The body of the API request that opened it, as received.
    pub api_body: Option<Vec<u8>>,
    /// The accepted objects, `(class, text with real handles)`.
    pub objects: Vec<(String, String)>,
    /// The requester's address.
    pub requester: Option<String>,
}

/// One operator action on one ticket, in one transaction.
pub struct Review<'a> {
    tx: Transaction<'a>,
    ticket: TicketRow,
    operator: String,
    now: i64,
}

impl Review<'_> {
    /// The ticket's tag.
    pub fn tag(&self) -> &str {
        &self.ticket.tag
    }

    /// Its state, as the action found it.
    pub fn state(&self) -> TicketState {
        self.ticket.state
    }

    /// The form's dialect as stored (`APNIC-038`, `RIPE-228`).
    pub fn dialect(&self) -> &str {
        &self.ticket.dialect
    }

    /// Where mail to the requester goes.
    pub fn requester(&self) -> Option<&str> {
        self.ticket.sender.as_deref()
    }

    /// The API request type the ticket was opened with; `None` for a mailed request.
    pub fn request_type(&self) -> Option<&str> {
        self.ticket.request_type.as_deref()
    }

    /// Refuses the action unless the ticket is in one of `allowed` (`wanted` says them in words).
    pub fn require(&self, allowed: &[TicketState], wanted: &'static str) -> Result<(), StoreError> {
        if allowed.contains(&self.ticket.state) {
            Ok(())
        } else {
            Err(StoreError::WrongState { ticket: self.ticket.tag.clone(), state: self.ticket.state, wanted })
        }
    }

    /// The requester's latest mail on the ticket.
    pub fn last_requester_mail(&self) -> Result<Option<RequesterMail>, StoreError> {
        Ok(self
            .tx
            .query_row(
                "SELECT id, raw, origin FROM messages WHERE ticket_id = ?1 AND outcome IN (?2, ?3, ?4) ORDER BY id DESC LIMIT 1",
                params![self.ticket.id, MessageOutcome::Accepted, MessageOutcome::Rejected, MessageOutcome::Correspondence],
                |row| Ok(RequesterMail { message: row.get(0)?, raw: row.get(1)?, origin: row.get(2)? }),
            )
            .optional()?)
    }

    /// The accepted request's objects, `(class, text with real handles)`, in order.
    pub fn objects(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut statement = self.tx.prepare_cached(
            "SELECT class, rewritten FROM objects WHERE ticket_id = ?1 AND rewritten IS NOT NULL ORDER BY position",
        )?;
        let rows = statement.query_map([self.ticket.id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Moves the ticket to `to`, in the operator's name.
    pub fn move_to(&mut self, to: TicketState) -> Result<(), StoreError> {
        change_state(&self.tx, self.now, &self.ticket, to, &self.operator, None)?;
        self.ticket.state = to;
        Ok(())
    }

    /// Logs `kind` on the ticket in the operator's name.
    pub fn log(&self, kind: EventKind, details: &str) -> Result<(), StoreError> {
        self.log_at(EventLevel::Info, kind, details)
    }

    /// Logs `kind` at `level` on the ticket in the operator's name.
    pub fn log_at(&self, level: EventLevel, kind: EventKind, details: &str) -> Result<(), StoreError> {
        let event = Event::new(kind, details).level(level).ticket(self.ticket.id).by(&self.operator);
        append_event(&self.tx, self.now, &event)
    }

    /// Queues `mail` to the requester, answering their message `answering`.
    pub fn queue_mail(&self, answering: i64, mail: &Outgoing) -> Result<(), StoreError> {
        queue_reply(&self.tx, self.now, answering, Some(self.ticket.id), mail).map(|_outbox_id| ())
    }

    /// Assigns `count` AS numbers to the ticket: `wanted` if it is free and in
    /// a pool (then `count` must be one), else the lowest free ones of the
    /// pools. The primary key on `asn_assignments.asn` keeps any two
    /// approvals, however concurrent, from sharing a number.
    pub fn assign_asns(&self, pools: &[AsnRange], count: usize, wanted: Option<u32>) -> Result<Vec<u32>, StoreError> {
        if pools.is_empty() {
            return Err(AsnError::NoPools.into());
        }
        let mut chosen = Vec::with_capacity(count);
        if let Some(asn) = wanted {
            if count != 1 {
                return Err(AsnError::OneForMany(count).into());
            }
            if !pools.iter().any(|pool| (pool.first..=pool.last).contains(&asn)) {
                return Err(AsnError::NotInPool(asn).into());
            }
            if self.is_taken(asn)? {
                return Err(AsnError::Taken(asn).into());
            }
            chosen.push(asn);
        } else {
            let mut sorted = pools.to_vec();
            sorted.sort();
            'pools: for pool in sorted {
                let mut candidate = pool.first;
                while chosen.len() < count {
                    if !chosen.contains(&candidate) && !self.is_taken(candidate)? {
                        chosen.push(candidate);
                    }
                    if candidate == pool.last {
                        continue 'pools;
                    }
                    candidate += 1;
                }
                break;
            }
            if chosen.len() < count {
                let pools: Vec<String> = pools.iter().map(ToString::to_string).collect();
                return Err(AsnError::Exhausted { pools: pools.join(", ") }.into());
            }
        }
        for (position, asn) in chosen.iter().enumerate() {
            self.tx.execute(
                "INSERT INTO asn_assignments (asn, ticket_id, position, operator, assigned_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![asn, self.ticket.id, position as i64, self.operator, self.now],
            )?;
            self.log(EventKind::AsnAssigned, &format!("AS{asn}"))?;
        }
        Ok(chosen)
    }

    /// Whether `asn` is assigned by the robot or registered (imported) already.
    fn is_taken(&self, asn: u32) -> Result<bool, StoreError> {
        let found: Option<i64> = self
            .tx
            .query_row(
                "SELECT 1 FROM asn_assignments WHERE asn = ?1
                 UNION ALL SELECT 1 FROM registry_objects WHERE class = 'aut-num' AND key = ?2 LIMIT 1",
                params![asn, format!("AS{asn}")],
                |row| row.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// Enters `objects` (RPSL texts) into the registry, as this ticket's.
    /// Returns how many entered; an object the robot does not keep is skipped.
    pub fn register(&self, objects: &[String]) -> Result<usize, StoreError> {
        let mut entered = 0;
        for text in objects {
            let Some((class, key, name)) = identify_text(text) else { continue };
            self.tx.execute(
                "INSERT INTO registry_objects (class, key, name, text, imported_at, ticket_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (class, key) DO UPDATE SET name = excluded.name, text = excluded.text,
                     imported_at = excluded.imported_at, ticket_id = excluded.ticket_id",
                params![class, key, name, text.trim_end(), self.now, self.ticket.id],
            )?;
            entered += 1;
        }
        self.log(EventKind::Registered, &format!("{entered} object(s) entered the registry"))?;
        Ok(entered)
    }

    /// Releases every handle the ticket holds (it will never be published).
    pub fn release_handles(&self, why: &str) -> Result<Vec<String>, StoreError> {
        let held = lifecycle::held_handles(&self.tx, self.ticket.id)?;
        for handle in &held {
            lifecycle::release_handle(&self.tx, self.now, &handle.handle, self.ticket.id, None, why)?;
        }
        Ok(held.into_iter().map(|h| h.handle).collect())
    }

    /// Keeps everything the action did.
    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Store, TicketState};

    #[test]
    fn the_queue_is_searched_by_tag_address_as_name_and_handle_as_text() {
        let store = Store::open_in_memory().expect("opens");
        store
            .connection()
            .execute_batch(
                "INSERT INTO tickets (id, tag, status, dialect, sender, as_name, created_at, updated_at) VALUES
                     (1, 'FR-AAAAAAAAAA', 'pending-review', 'RIPE-228', 'jane@example.org', 'EXAMPLE-AS', 1, 1),
                     (2, 'FR-BBBBBBBBBB', 'rejected', 'RIPE-228', 'joe@example.net', NULL, 2, 2),
                     (3, 'FR-CCCCCCCCCC', 'approved', 'RIPE-228', 'jane@example.org', 'DONE-AS', 3, 3);
                 INSERT INTO nic_handles (handle, initials, number, suffix, name, ticket_id, created_at)
                     VALUES ('JQE1-RIPE', 'JQE', 1, 'RIPE', 'Jane Q Example', 1, 1);",
            )
            .expect("rows");
        let tags = |state: Option<TicketState>, search: Option<&str>| -> Vec<String> {
            store.queue_matching(state, search).expect("queue").into_iter().map(|row| row.ticket).collect()
        };
        assert_eq!(tags(None, None), ["FR-AAAAAAAAAA", "FR-BBBBBBBBBB"], "open tickets, oldest first");
        assert_eq!(tags(None, Some("  ")), tags(None, None), "an empty search is no search");
        assert_eq!(tags(None, Some("fr-bbb")), ["FR-BBBBBBBBBB"]);
        assert_eq!(tags(None, Some("JANE@")), ["FR-AAAAAAAAAA"], "closed tickets stay out");
        assert_eq!(tags(Some(TicketState::Approved), Some("jane@")), ["FR-CCCCCCCCCC"]);
        assert_eq!(tags(None, Some("example-as")), ["FR-AAAAAAAAAA"]);
        assert_eq!(tags(None, Some("jqe1")), ["FR-AAAAAAAAAA"], "by a handle the ticket holds");
        assert!(tags(None, Some("%")).is_empty(), "text, not a LIKE pattern");
    }
}
