//! The words the store writes into its columns, as types.
//!
//! Each enum here is one column's vocabulary: an outbox row's state, an
//! event's level and kind, a message's outcome, a ticket's state. The store's
//! API takes and returns these types, never free strings, and the database
//! refuses any other word (the `CHECK` constraints of schema migration 4). The
//! words themselves are what operators read in `formrobot log` and `--json`,
//! so a variant's word is never changed; adding one takes a new variant here
//! and a new migration widening the column's `CHECK` (the schema tests compare
//! the two).

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A word that is not one of a column's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{word}' is not a known {what}")]
pub struct UnknownWord {
    /// What the word was meant to be, `outbox state`, `event kind`, ...
    pub what: &'static str,
    /// The word.
    pub word: String,
}

/// Defines a column's vocabulary: the enum, its words and their conversions.
macro_rules! words {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$variant_meta:meta])* $variant:ident => $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored in the database and shown in the log.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;

            fn from_str(word: &str) -> Result<Self, UnknownWord> {
                match word {
                    $( $word => Ok($name::$variant), )+
                    _ => Err(UnknownWord { what: $what, word: word.to_owned() }),
                }
            }
        }

        impl TryFrom<&str> for $name {
            type Error = UnknownWord;

            fn try_from(word: &str) -> Result<Self, UnknownWord> {
                word.parse()
            }
        }

        /// The word; width and alignment apply (`{:<5}`).
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        /// Serialized as its word.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        /// Stored as its word, as TEXT.
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.as_str().as_bytes())))
            }
        }

        /// Read from its word; any other value is a conversion error.
        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_str()?.parse().map_err(|e: UnknownWord| FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

words! {
    /// Where a reply in the outbox stands (`outbox.status`).
    pub enum OutboxState("outbox state") {
        /// Waiting to be sent, or to be tried again.
        Queued => "queued",
        /// Being handed to the mail server: from here on a crash counts it as sent.
        Sending => "sending",
        /// The mail server accepted it.
        Sent => "sent",
        /// The mail server refused it for good.
        Failed => "failed",
    }
}

words! {
    /// How much an event matters (`events.level`).
    pub enum EventLevel("event level") {
        /// Normal work.
        Info => "info",
        /// Something unusual that the robot handled: a duplicate, a refusal, a retry.
        Warn => "warn",
        /// Something that needs an operator: a reply refused for good, a mail quarantined.
        Error => "error",
    }
}

words! {
    /// What happened (`events.kind`).
    pub enum EventKind("event kind") {
        /// A mail was received and recorded.
        Received => "received",
        /// A submission was accepted.
        Accepted => "accepted",
        /// A submission was rejected.
        Rejected => "rejected",
        /// A mail asked for help.
        Help => "help",
        /// A mail is not answered (a bounce, an auto-reply, a list mail).
        Ignored => "ignored",
        /// A mail was refused without parsing.
        Refused => "refused",
        /// The same mail came again; nothing was done.
        Duplicate => "duplicate",
        /// A NIC handle was claimed for a placeholder.
        HandleAssigned => "handle-assigned",
        /// Parts of a mail were kept with it, unread.
        AttachmentsKept => "attachments-kept",
        /// A reply was not queued (the per-sender limit).
        ReplyWithheld => "reply-withheld",
        /// A reply was queued in the outbox.
        ReplyQueued => "reply-queued",
        /// The mail server accepted a reply.
        ReplySent => "reply-sent",
        /// Sending a reply failed for now; it will be tried again.
        ReplyDeferred => "reply-deferred",
        /// The mail server refused a reply for good.
        ReplyRefused => "reply-refused",
        /// A registry dump was imported.
        Import => "import",
        /// The IMAP intake connected.
        ImapConnected => "imap-connected",
        /// The IMAP connection failed or was lost.
        ImapError => "imap-error",
        /// A mail that kept failing was moved to the quarantine mailbox.
        Quarantined => "quarantined",
        /// A ticket moved from one state to another (details: `old -> new`).
        StateChanged => "state-changed",
        /// The requester sent templates again on a ticket.
        Resubmitted => "resubmitted",
        /// The requester wrote on a ticket without templates; recorded, not answered.
        Correspondence => "correspondence",
        /// Someone who is not the ticket's requester wrote citing it.
        NotRequester => "not-requester",
        /// An operator asked the requester a question.
        QuestionAsked => "question-asked",
        /// An operator approved a ticket.
        Approved => "approved",
        /// An operator declined a ticket.
        Declined => "declined",
        /// An AS number was assigned to a ticket.
        AsnAssigned => "asn-assigned",
        /// A NIC handle a ticket held was given back (a declined ticket, a resubmission without that contact).
        HandleReleased => "handle-released",
        /// Objects entered the registry.
        Registered => "registered",
        /// An operator made an API key (details: its name, never the key).
        ApiKeyCreated => "api-key-created",
        /// An operator revoked an API key.
        ApiKeyRevoked => "api-key-revoked",
        /// The request was passed on to the upstream registry's API, which took it.
        Forwarded => "forwarded",
        /// Passing the request on failed in transit; the ticket keeps it, to try again.
        ForwardFailed => "forward-failed",
        /// The upstream registry's API refused the request (details: its errors).
        ForwardRejected => "forward-rejected",
        /// An operator account was made for the console (details: its name, never the password).
        OperatorAdded => "operator-added",
        /// An operator account was removed; its sessions ended.
        OperatorRemoved => "operator-removed",
        /// An operator logged in to the console (details: the client's address).
        LoggedIn => "logged-in",
        /// A login to the console failed, or was refused after too many failures.
        LoginFailed => "login-failed",
        /// An operator logged out of the console.
        LoggedOut => "logged-out",
    }
}

words! {
    /// What became of a received message, as stored (`messages.outcome`).
    pub enum MessageOutcome("message outcome") {
        /// A submission without errors.
        Accepted => "accepted",
        /// A submission with errors.
        Rejected => "rejected",
        /// A help request.
        Help => "help",
        /// Not answered.
        Ignored => "ignored",
        /// Refused without parsing.
        Refused => "refused",
        /// The same mail again; nothing was done.
        Duplicate => "duplicate",
        /// The requester wrote on a ticket without templates.
        Correspondence => "correspondence",
        /// Someone else wrote citing a ticket; only its requester may act on it.
        NotRequester => "not-requester",
    }
}

words! {
    /// Where a ticket stands (`tickets.status`), the lifecycle of a request.
    pub enum TicketState("ticket state") {
        /// The last submission had errors and none was accepted before; the requester may resubmit.
        Rejected => "rejected",
        /// An accepted request waits for a hostmaster.
        PendingReview => "pending-review",
        /// A hostmaster asked the requester something and waits for the answer.
        WaitingForRequester => "waiting-for-requester",
        /// Approved: AS numbers assigned, objects registered. Closed.
        Approved => "approved",
        /// Declined by a hostmaster. Closed.
        Declined => "declined",
        /// Passed on to the upstream registry's API, which took it. Closed here.
        Forwarded => "forwarded",
    }
}

impl TicketState {
    /// Whether the ticket's life is over (no more review, no resubmission).
    pub const fn is_closed(self) -> bool {
        matches!(self, TicketState::Approved | TicketState::Declined | TicketState::Forwarded)
    }

    /// Whether the ticket holds an accepted request (its handles claimed).
    pub const fn has_accepted_request(self) -> bool {
        !matches!(self, TicketState::Rejected | TicketState::Declined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant's word parses back to it, and the words are distinct.
    fn round_trips<T>(all: &[T])
    where
        T: Copy + Eq + fmt::Debug + fmt::Display + FromStr<Err = UnknownWord> + ToSql + FromSql,
    {
        let mut seen = std::collections::HashSet::new();
        for &variant in all {
            let word = variant.to_string();
            assert!(seen.insert(word.clone()), "{word} twice");
            assert_eq!(word.parse::<T>(), Ok(variant));
            let stored = variant.to_sql().expect("to SQL");
            let ToSqlOutput::Borrowed(value) = stored else { panic!("{word} is not borrowed text") };
            assert_eq!(value, ValueRef::Text(word.as_bytes()));
            assert_eq!(T::column_result(value).expect("from SQL"), variant);
        }
        assert!("no-such-word".parse::<T>().is_err());
        assert!(T::column_result(ValueRef::Text(b"no-such-word")).is_err());
        assert!(T::column_result(ValueRef::Integer(1)).is_err());
    }

    #[test]
    fn every_word_round_trips() {
        round_trips(OutboxState::ALL);
        round_trips(EventLevel::ALL);
        round_trips(EventKind::ALL);
        round_trips(MessageOutcome::ALL);
        round_trips(TicketState::ALL);
    }

    fn words<T: fmt::Display>(all: &[T]) -> Vec<String> {
        all.iter().map(T::to_string).collect()
    }

    #[test]
    fn the_words_are_the_ones_operators_know() {
        assert_eq!(words(OutboxState::ALL), ["queued", "sending", "sent", "failed"]);
        assert_eq!(words(EventLevel::ALL), ["info", "warn", "error"]);
        assert_eq!(
            words(EventKind::ALL),
            [
                "received",
                "accepted",
                "rejected",
                "help",
                "ignored",
                "refused",
                "duplicate",
                "handle-assigned",
                "attachments-kept",
                "reply-withheld",
                "reply-queued",
                "reply-sent",
                "reply-deferred",
                "reply-refused",
                "import",
                "imap-connected",
                "imap-error",
                "quarantined",
                "state-changed",
                "resubmitted",
                "correspondence",
                "not-requester",
                "question-asked",
                "approved",
                "declined",
                "asn-assigned",
                "handle-released",
                "registered",
                "api-key-created",
                "api-key-revoked",
                "forwarded",
                "forward-failed",
                "forward-rejected",
                "operator-added",
                "operator-removed",
                "logged-in",
                "login-failed",
                "logged-out",
            ]
        );
        assert_eq!(
            words(MessageOutcome::ALL),
            ["accepted", "rejected", "help", "ignored", "refused", "duplicate", "correspondence", "not-requester"]
        );
        assert_eq!(
            words(TicketState::ALL),
            ["rejected", "pending-review", "waiting-for-requester", "approved", "declined", "forwarded"]
        );
        assert_eq!(format!("[{:<5}]", EventLevel::Warn), "[warn ]");
        assert_eq!(
            "bogus".parse::<OutboxState>().map_err(|e| e.to_string()),
            Err("'bogus' is not a known outbox state".to_owned())
        );
        assert_eq!(EventKind::try_from("imap-error"), Ok(EventKind::ImapError));
    }
}
