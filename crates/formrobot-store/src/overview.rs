//! What the console's overview counts: tickets by state, submissions per
//! day, how long a decision took, and the rejected submissions whose errors
//! the shell counts by re-reading them (the store keeps mails, not errors).

use crate::words::{MessageOutcome, TicketState};
use crate::{Store, StoreError};
use rusqlite::params;
use serde::Serialize;

/// Submissions received on one day (UTC), by the engine's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// The day, as days since 1970-01-01.
    pub day: i64,
    /// Submissions that opened or continued a ticket (mails with templates, API requests).
    pub received: i64,
    /// Of those, accepted.
    pub accepted: i64,
    /// Of those, rejected.
    pub rejected: i64,
}

/// A decided ticket and how long its decision took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// What was decided: approved, declined or forwarded.
    pub state: TicketState,
    /// Seconds from the ticket's first mail (or request) to the decision.
    pub seconds: i64,
}

impl Store {
    /// How many tickets are in each state, in the states' order (zero included).
    pub fn state_counts(&self) -> Result<Vec<(TicketState, i64)>, StoreError> {
        let mut statement = self.connection.prepare_cached("SELECT count(*) FROM tickets WHERE status = ?1")?;
        TicketState::ALL.iter().map(|&state| Ok((state, statement.query_row([state], |row| row.get(0))?))).collect()
    }

    /// Submissions per day from `since` (Unix seconds) on, days without any left out, oldest first.
    /// Dry runs (no ticket) and duplicates are not counted.
    pub fn submissions_per_day(&self, since: i64) -> Result<Vec<DayCount>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT received_at / 86400 AS day, count(*), sum(outcome = ?2), sum(outcome = ?3) FROM messages
             WHERE received_at >= ?1 AND ticket_id IS NOT NULL AND outcome IN (?2, ?3)
             GROUP BY day ORDER BY day",
        )?;
        let rows = statement.query_map(params![since, MessageOutcome::Accepted, MessageOutcome::Rejected], |row| {
            Ok(DayCount { day: row.get(0)?, received: row.get(1)?, accepted: row.get(2)?, rejected: row.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The tickets decided from `since` on, with the time each decision took.
    pub fn decisions(&self, since: i64) -> Result<Vec<Decision>, StoreError> {
        // The state-changed event into the closed state is the decision; its
        // details are `old -> new` (lifecycle::change_state writes them).
        let mut statement = self.connection.prepare_cached(
            "SELECT t.status, min(e.at) - t.created_at FROM events e JOIN tickets t ON t.id = e.ticket_id
             WHERE e.kind = 'state-changed' AND e.at >= ?1 AND t.status IN (?2, ?3, ?4)
               AND e.details LIKE '% -> ' || t.status
             GROUP BY t.id ORDER BY t.id",
        )?;
        let rows = statement
            .query_map(params![since, TicketState::Approved, TicketState::Declined, TicketState::Forwarded], |row| {
                Ok(Decision { state: row.get(0)?, seconds: row.get::<_, i64>(1)?.max(0) })
            })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The bytes of the newest `limit` rejected submissions received from `since` on.
    pub fn rejected_submissions(&self, since: i64, limit: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT raw FROM messages WHERE received_at >= ?1 AND outcome = ?2 AND ticket_id IS NOT NULL
             ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = statement.query_map(params![since, MessageOutcome::Rejected, limit as i64], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The reasons operators gave for declining, from `since` on, most frequent first, with their counts.
    pub fn decline_reasons(&self, since: i64, limit: usize) -> Result<Vec<(String, i64)>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT details, count(*) AS n FROM events WHERE kind = 'declined' AND at >= ?1
             GROUP BY details ORDER BY n DESC, details LIMIT ?2",
        )?;
        let rows = statement.query_map(params![since, limit as i64], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tickets opened on day 10 (one approved two hours later, one still
    /// open), a rejected submission on day 11, a dry run and a duplicate that do not count.
    fn store() -> Store {
        let store = Store::open_in_memory().expect("opens");
        let day = 86_400;
        store
            .connection()
            .execute_batch(&format!(
                "INSERT INTO tickets (id, tag, status, dialect, created_at, updated_at) VALUES
                     (1, 'FR-0000000001', 'approved', 'RIPE-228', {d10}, {d10}),
                     (2, 'FR-0000000002', 'pending-review', 'RIPE-228', {d10}, {d10}),
                     (3, 'FR-0000000003', 'rejected', 'RIPE-228', {d11}, {d11});
                 INSERT INTO messages (id, size, sha256, raw, received_at, origin, outcome, ticket_id) VALUES
                     (1, 1, 'a', x'61', {d10}, 'test', 'accepted', 1),
                     (2, 1, 'b', x'62', {d10}, 'test', 'accepted', 2),
                     (3, 1, 'c', x'63', {d11}, 'test', 'rejected', 3),
                     (4, 1, 'd', x'64', {d11}, 'test', 'rejected', NULL),
                     (5, 1, 'b', x'', {d11}, 'test', 'duplicate', 2);
                 INSERT INTO events (at, level, ticket_id, kind, details, actor) VALUES
                     ({decided}, 'info', 1, 'state-changed', 'pending-review -> approved', 'alice'),
                     ({d11}, 'info', 2, 'declined', 'no peering', 'alice'),
                     ({d11}, 'info', 2, 'declined', 'no peering', 'bob');",
                d10 = 10 * day,
                d11 = 11 * day + 5,
                decided = 10 * day + 7_200,
            ))
            .expect("rows");
        store
    }

    #[test]
    fn submissions_are_counted_per_day_by_verdict() {
        let days = store().submissions_per_day(0).expect("counts");
        assert_eq!(
            days,
            [
                DayCount { day: 10, received: 2, accepted: 2, rejected: 0 },
                DayCount { day: 11, received: 1, accepted: 0, rejected: 1 }
            ]
        );
        assert!(store().submissions_per_day(12 * 86_400).expect("counts").is_empty());
    }

    #[test]
    fn a_decision_is_timed_from_the_ticket_to_its_closing_change() {
        let store = store();
        assert_eq!(store.decisions(0).expect("decisions"), [Decision { state: TicketState::Approved, seconds: 7_200 }]);
        let counts = store.state_counts().expect("counts");
        assert_eq!(counts.len(), TicketState::ALL.len());
        assert!(counts.contains(&(TicketState::Approved, 1)) && counts.contains(&(TicketState::Declined, 0)));
        assert_eq!(store.rejected_submissions(0, 10).expect("raw"), [b"c".to_vec()], "not the dry run");
        assert_eq!(store.decline_reasons(0, 5).expect("reasons"), [("no peering".to_owned(), 2)]);
    }
}
