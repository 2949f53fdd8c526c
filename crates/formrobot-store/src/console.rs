//! The operators' web console's side of the store: operator accounts (a
//! name and an argon2 hash, never a password), their sessions (the SHA-256
//! of the cookie's token, never the token), and the events of logging in.
//!
//! The hashing itself is the shell's (it owns the argon2 parameters and the
//! random numbers); the store only keeps what it is given and answers
//! whether a session is still alive.

use crate::api::key_hash;
use crate::lifecycle::{append_event, Event};
use crate::words::{EventKind, EventLevel};
use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

/// An operator account as listed: never its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorAccount {
    /// The name they log in with and act under.
    pub name: String,
    /// When the account was made, Unix seconds.
    pub created_at: i64,
}

/// What logging in compares the password with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account's row id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The argon2 hash (PHC string) of its password.
    pub password_hash: String,
}

/// A live session: who is logged in, and the token their forms must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The operator's name.
    pub operator: String,
    /// The CSRF token of this session's forms.
    pub csrf: String,
}

/// Why an operator account could not be made or removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// An operator of that name exists already.
    #[error("an operator named '{0}' exists already")]
    NameTaken(String),
    /// No operator of that name.
    #[error("no operator named '{0}'")]
    NoSuchOperator(String),
}

impl Store {
    /// Adds operator `name` with `password_hash` (an argon2 PHC string), in `by`'s name.
    pub fn add_operator(&mut self, name: &str, password_hash: &str, by: &str, now: i64) -> Result<(), StoreError> {
        let tx = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO operators (name, password_hash, created_at) VALUES (?1, ?2, ?3)",
            params![name, password_hash, now],
        )?;
        if inserted != 1 {
            return Err(AccountError::NameTaken(name.to_owned()).into());
        }
        append_event(&tx, now, &Event::new(EventKind::OperatorAdded, name).by(by))?;
        tx.commit()?;
        Ok(())
    }

    /// Removes operator `name` and ends their sessions, in `by`'s name.
    pub fn remove_operator(&mut self, name: &str, by: &str, now: i64) -> Result<(), StoreError> {
        let tx = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: i64 = tx
            .query_row("SELECT id FROM operators WHERE name = ?1", [name], |row| row.get(0))
            .optional()?
            .ok_or_else(|| AccountError::NoSuchOperator(name.to_owned()))?;
        let ended = tx.execute("DELETE FROM sessions WHERE operator_id = ?1", [id])?;
        tx.execute("DELETE FROM operators WHERE id = ?1", [id])?;
        let details = format!("{name} ({ended} session(s) ended)");
        append_event(&tx, now, &Event::new(EventKind::OperatorRemoved, &details).by(by))?;
        tx.commit()?;
        Ok(())
    }

    /// Every operator account, by name.
    pub fn operators(&self) -> Result<Vec<OperatorAccount>, StoreError> {
        let mut statement = self.connection.prepare_cached("SELECT name, created_at FROM operators ORDER BY name")?;
        let rows = statement.query_map([], |row| Ok(OperatorAccount { name: row.get(0)?, created_at: row.get(1)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The stored hash of operator `name`'s password, if there is such an operator.
    pub fn credentials(&self, name: &str) -> Result<Option<Credentials>, StoreError> {
        Ok(self
            .connection
            .query_row("SELECT id, name, password_hash FROM operators WHERE name = ?1", [name], |row| {
                Ok(Credentials { id: row.get(0)?, name: row.get(1)?, password_hash: row.get(2)? })
            })
            .optional()?)
    }

    /// Opens a session for operator `id` with the cookie's `token` (only its
    /// hash is kept) and the CSRF token of its forms, and logs the login.
    pub fn open_session(
        &mut self,
        operator: &Credentials,
        token: &str,
        csrf: &str,
        client: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let tx = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO sessions (token_sha256, operator_id, csrf, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![key_hash(token), operator.id, csrf, now],
        )?;
        let details = format!("from {client}");
        append_event(&tx, now, &Event::new(EventKind::LoggedIn, &details).by(&operator.name))?;
        tx.commit()?;
        Ok(())
    }

    /// The live session of the cookie's `token`: one used within `idle_seconds`
    /// of `now`, whose use is noted; a session idle longer is ended here.
    pub fn session(&self, token: &str, idle_seconds: i64, now: i64) -> Result<Option<Session>, StoreError> {
        let hash = key_hash(token);
        let found = self
            .connection
            .query_row(
                "SELECT o.name, s.csrf, s.last_seen FROM sessions s JOIN operators o ON o.id = s.operator_id
                 WHERE s.token_sha256 = ?1",
                [&hash],
                |row| Ok((Session { operator: row.get(0)?, csrf: row.get(1)? }, row.get::<_, i64>(2)?)),
            )
            .optional()?;
        match found {
            Some((session, last_seen)) if now - last_seen <= idle_seconds => {
                self.connection
                    .execute("UPDATE sessions SET last_seen = ?2 WHERE token_sha256 = ?1", params![hash, now])?;
                Ok(Some(session))
            }
            Some(_) => {
                self.connection.execute("DELETE FROM sessions WHERE token_sha256 = ?1", [&hash])?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// Ends the session of the cookie's `token` and logs the logout.
    pub fn close_session(&mut self, token: &str, now: i64) -> Result<(), StoreError> {
        let tx = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let hash = key_hash(token);
        let operator: Option<String> = tx
            .query_row(
                "SELECT o.name FROM sessions s JOIN operators o ON o.id = s.operator_id WHERE s.token_sha256 = ?1",
                [&hash],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(operator) = operator {
            tx.execute("DELETE FROM sessions WHERE token_sha256 = ?1", [&hash])?;
            append_event(&tx, now, &Event::new(EventKind::LoggedOut, "").by(&operator))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Ends every session idle longer than `idle_seconds`; returns how many.
    pub fn end_idle_sessions(&self, idle_seconds: i64, now: i64) -> Result<usize, StoreError> {
        Ok(self.connection.execute("DELETE FROM sessions WHERE last_seen < ?1", [now - idle_seconds])?)
    }

    /// Logs a failed (or refused) login for the name tried, from `client`.
    pub fn log_login_failure(&self, level: EventLevel, name: &str, details: &str, now: i64) -> Result<(), StoreError> {
        append_event(&self.connection, now, &Event::new(EventKind::LoginFailed, details).level(level).by(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_operator() -> (Store, Credentials) {
        let mut store = Store::open_in_memory().expect("opens");
        store.add_operator("alice", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "root", 10).expect("added");
        let credentials = store.credentials("alice").expect("reads").expect("alice exists");
        (store, credentials)
    }

    #[test]
    fn an_operator_is_added_once_and_removed_with_their_sessions() {
        let (mut store, credentials) = store_with_operator();
        assert!(matches!(
            store.add_operator("alice", "x", "root", 11),
            Err(StoreError::Account(AccountError::NameTaken(_)))
        ));
        store.open_session(&credentials, "token-1", "csrf-1", "127.0.0.1", 12).expect("opened");
        assert!(store.session("token-1", 60, 13).expect("reads").is_some());
        store.remove_operator("alice", "root", 14).expect("removed");
        assert_eq!(store.session("token-1", 60, 15).expect("reads"), None, "the session ended with the account");
        assert!(store.operators().expect("lists").is_empty());
        assert!(matches!(
            store.remove_operator("alice", "root", 16),
            Err(StoreError::Account(AccountError::NoSuchOperator(_)))
        ));
        let kinds: Vec<EventKind> =
            store.events(&Default::default()).expect("events").into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::OperatorAdded, EventKind::LoggedIn, EventKind::OperatorRemoved]);
    }

    #[test]
    fn a_session_lives_while_it_is_used_and_ends_when_idle() {
        let (mut store, credentials) = store_with_operator();
        store.open_session(&credentials, "token-1", "csrf-1", "127.0.0.1", 100).expect("opened");
        let session = store.session("token-1", 60, 150).expect("reads").expect("alive");
        assert_eq!(session, Session { operator: "alice".to_owned(), csrf: "csrf-1".to_owned() });
        assert!(store.session("token-1", 60, 200).expect("reads").is_some(), "used at 150: alive at 200");
        assert_eq!(store.session("token-1", 60, 261).expect("reads"), None, "idle 61 s");
        assert_eq!(store.session("token-1", 60, 262).expect("reads"), None, "and ended for good");
        assert_eq!(store.session("other", 60, 262).expect("reads"), None);
        let stored: String = store
            .connection()
            .query_row("SELECT group_concat(password_hash) FROM operators", [], |r| r.get(0))
            .expect("row");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
    }

    #[test]
    fn the_token_is_kept_only_as_its_hash_and_logout_ends_the_session() {
        let (mut store, credentials) = store_with_operator();
        store.open_session(&credentials, "secret-token", "csrf", "127.0.0.1", 100).expect("opened");
        let kept: String =
            store.connection().query_row("SELECT token_sha256 FROM sessions", [], |r| r.get(0)).expect("row");
        assert_ne!(kept, "secret-token");
        assert_eq!(kept, key_hash("secret-token"));
        store.close_session("secret-token", 101).expect("closed");
        assert_eq!(store.session("secret-token", 60, 102).expect("reads"), None);
        let last = store.events(&Default::default()).expect("events").pop().expect("an event");
        assert_eq!((last.kind, last.actor.as_str()), (EventKind::LoggedOut, "alice"));
    }
}
