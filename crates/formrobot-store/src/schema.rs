//! The database schema, as an ordered list of migrations.
//!
//! Migration `n` (1-based) brings a database from `PRAGMA user_version` n-1 to
//! n. Migrations are only ever appended: a released one is never edited.

/// Every migration, oldest first.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the registry's state.
    r#"
    -- One row per mail received, recorded before the robot acts on it.
    CREATE TABLE messages (
        id          INTEGER PRIMARY KEY,
        message_id  TEXT,
        sender      TEXT,
        size        INTEGER NOT NULL,
        sha256      TEXT NOT NULL,
        raw         BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        origin      TEXT NOT NULL,
        outcome     TEXT NOT NULL,
        ticket_id   INTEGER REFERENCES tickets(id)
    );
    CREATE INDEX messages_by_message_id ON messages(message_id, sha256);
    CREATE INDEX messages_by_sender ON messages(sender, received_at);
    CREATE INDEX messages_by_ticket ON messages(ticket_id);

    -- One row per submission; the tag is what people see, [FR-...].
    CREATE TABLE tickets (
        id          INTEGER PRIMARY KEY,
        tag         TEXT NOT NULL UNIQUE,
        status      TEXT NOT NULL,
        dialect     TEXT NOT NULL,
        sender      TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    );

    -- The objects of each ticket, as submitted and with real handles.
    CREATE TABLE objects (
        id          INTEGER PRIMARY KEY,
        ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
        position    INTEGER NOT NULL,
        class       TEXT NOT NULL,
        submitted   TEXT NOT NULL,
        rewritten   TEXT,
        UNIQUE (ticket_id, position)
    );

    -- Every NIC handle known to be taken: assigned by the robot (ticket set)
    -- or imported from the registry (ticket null). The primary key is what
    -- makes two concurrent submissions unable to get the same handle.
    CREATE TABLE nic_handles (
        handle      TEXT PRIMARY KEY,
        initials    TEXT NOT NULL,
        number      INTEGER,
        suffix      TEXT NOT NULL,
        name        TEXT NOT NULL,
        placeholder TEXT,
        ticket_id   INTEGER REFERENCES tickets(id),
        created_at  INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX nic_handles_by_number ON nic_handles(initials, suffix, number);

    -- For each initials and suffix, every number up to dense_upto is taken,
    -- so the search for the lowest free number starts after it.
    CREATE TABLE handle_prefix (
        initials    TEXT NOT NULL,
        suffix      TEXT NOT NULL,
        dense_upto  INTEGER NOT NULL,
        PRIMARY KEY (initials, suffix)
    );
    CREATE TRIGGER nic_handles_freed AFTER DELETE ON nic_handles
    WHEN OLD.number IS NOT NULL
    BEGIN
        UPDATE handle_prefix SET dense_upto = MIN(dense_upto, OLD.number - 1)
        WHERE initials = OLD.initials AND suffix = OLD.suffix;
    END;

    -- The registry's existing objects, loaded by `formrobot import`.
    CREATE TABLE registry_objects (
        class       TEXT NOT NULL,
        key         TEXT NOT NULL,
        name        TEXT,
        text        TEXT NOT NULL,
        imported_at INTEGER NOT NULL,
        PRIMARY KEY (class, key)
    ) WITHOUT ROWID;

    -- The processing log. Rows are only ever added.
    CREATE TABLE events (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        level       TEXT NOT NULL,
        ticket_id   INTEGER REFERENCES tickets(id),
        message_id  INTEGER REFERENCES messages(id),
        kind        TEXT NOT NULL,
        details     TEXT NOT NULL
    );
    CREATE INDEX events_by_ticket ON events(ticket_id);
    CREATE INDEX events_by_time ON events(at);
    CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

    -- Replies waiting to be sent, and what became of them.
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        message_id      INTEGER NOT NULL REFERENCES messages(id),
        ticket_id       INTEGER REFERENCES tickets(id),
        recipient       TEXT NOT NULL,
        subject         TEXT NOT NULL,
        body            BLOB NOT NULL,
        status          TEXT NOT NULL DEFAULT 'queued',
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        sent_at         INTEGER,
        last_error      TEXT,
        created_at      INTEGER NOT NULL
    );
    CREATE INDEX outbox_by_status ON outbox(status, next_attempt_at);
    "#,
    // 2: parts of a mail kept with its ticket but not parsed (contracts, PDFs).
    r#"
    CREATE TABLE attachments (
        id           INTEGER PRIMARY KEY,
        message_id   INTEGER NOT NULL REFERENCES messages(id),
        ticket_id    INTEGER REFERENCES tickets(id),
        filename     TEXT,
        content_type TEXT NOT NULL,
        size         INTEGER NOT NULL,
        content      BLOB NOT NULL
    );
    CREATE INDEX attachments_by_ticket ON attachments(ticket_id);
    CREATE INDEX outbox_by_recipient ON outbox(recipient, created_at);
    "#,
    // 3: which IMAP messages have been recorded, so that a restart never processes one twice.
    r#"
    CREATE TABLE imap_seen (
        mailbox     TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid         INTEGER NOT NULL,
        message_id  INTEGER NOT NULL REFERENCES messages(id),
        PRIMARY KEY (mailbox, uidvalidity, uid)
    ) WITHOUT ROWID;
    "#,
];
