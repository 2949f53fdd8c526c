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
    // 4: state columns accept only the store's words (crate::words). SQLite cannot
    // add a CHECK to a column, so each table is rebuilt as SQLite documents
    // (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys are
    // off while migrations run (see `migrate`); the new table is created, filled,
    // the old one dropped and the new one renamed, then its indexes and triggers
    // are made again. References from other tables name the table, so they hold.
    // Each list must stay equal to its enum's words: the schema tests compare them.
    r#"
    CREATE TABLE new_tickets (
        id          INTEGER PRIMARY KEY,
        tag         TEXT NOT NULL UNIQUE,
        status      TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
        dialect     TEXT NOT NULL,
        sender      TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    );
    INSERT INTO new_tickets (id, tag, status, dialect, sender, created_at, updated_at)
        SELECT id, tag, status, dialect, sender, created_at, updated_at FROM tickets;
    DROP TABLE tickets;
    ALTER TABLE new_tickets RENAME TO tickets;

    CREATE TABLE new_messages (
        id          INTEGER PRIMARY KEY,
        message_id  TEXT,
        sender      TEXT,
        size        INTEGER NOT NULL,
        sha256      TEXT NOT NULL,
        raw         BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        origin      TEXT NOT NULL,
        outcome     TEXT NOT NULL
            CHECK (outcome IN ('accepted', 'rejected', 'help', 'ignored', 'refused', 'duplicate')),
        ticket_id   INTEGER REFERENCES tickets(id)
    );
    INSERT INTO new_messages (id, message_id, sender, size, sha256, raw, received_at, origin, outcome, ticket_id)
        SELECT id, message_id, sender, size, sha256, raw, received_at, origin, outcome, ticket_id FROM messages;
    DROP TABLE messages;
    ALTER TABLE new_messages RENAME TO messages;
    CREATE INDEX messages_by_message_id ON messages(message_id, sha256);
    CREATE INDEX messages_by_sender ON messages(sender, received_at);
    CREATE INDEX messages_by_ticket ON messages(ticket_id);

    CREATE TABLE new_events (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        level       TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        ticket_id   INTEGER REFERENCES tickets(id),
        message_id  INTEGER REFERENCES messages(id),
        kind        TEXT NOT NULL CHECK (kind IN (
            'received', 'accepted', 'rejected', 'help', 'ignored', 'refused', 'duplicate',
            'handle-assigned', 'attachments-kept',
            'reply-withheld', 'reply-queued', 'reply-sent', 'reply-deferred', 'reply-refused',
            'import', 'imap-connected', 'imap-error', 'quarantined'
        )),
        details     TEXT NOT NULL
    );
    INSERT INTO new_events (id, at, level, ticket_id, message_id, kind, details)
        SELECT id, at, level, ticket_id, message_id, kind, details FROM events;
    DROP TABLE events;
    ALTER TABLE new_events RENAME TO events;
    CREATE INDEX events_by_ticket ON events(ticket_id);
    CREATE INDEX events_by_time ON events(at);
    CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

    CREATE TABLE new_outbox (
        id              INTEGER PRIMARY KEY,
        message_id      INTEGER NOT NULL REFERENCES messages(id),
        ticket_id       INTEGER REFERENCES tickets(id),
        recipient       TEXT NOT NULL,
        subject         TEXT NOT NULL,
        body            BLOB NOT NULL,
        status          TEXT NOT NULL DEFAULT 'queued'
            CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        sent_at         INTEGER,
        last_error      TEXT,
        created_at      INTEGER NOT NULL
    );
    INSERT INTO new_outbox (id, message_id, ticket_id, recipient, subject, body, status, attempts,
                            next_attempt_at, sent_at, last_error, created_at)
        SELECT id, message_id, ticket_id, recipient, subject, body, status, attempts,
               next_attempt_at, sent_at, last_error, created_at FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE new_outbox RENAME TO outbox;
    CREATE INDEX outbox_by_status ON outbox(status, next_attempt_at);
    CREATE INDEX outbox_by_recipient ON outbox(recipient, created_at);
    "#,
    // 5: tries at each IMAP mail, counted and committed BEFORE each try, so that a
    // mail that kills the robot is counted too and, after enough tries, quarantined.
    r#"
    CREATE TABLE imap_attempts (
        mailbox     TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid         INTEGER NOT NULL,
        attempts    INTEGER NOT NULL CHECK (attempts >= 0),
        last_error  TEXT,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (mailbox, uidvalidity, uid)
    ) WITHOUT ROWID;
    "#,
    // 6: a request's whole life (issue 11). Tickets take the lifecycle's states
    // (an old 'accepted' ticket waits for review), remember the From of the mail
    // that opened them (the requester may also write from its Reply-To) and what
    // the queue shows (as-name, neighbours); messages may be correspondence or
    // come from someone who is not the requester; events say who made each
    // change (`actor`: the robot, a requester's address, an operator's name) and
    // take the new kinds; each reply keeps its Message-ID so that an answer to it
    // finds its ticket; AS numbers are assigned once (the primary key, not luck,
    // keeps two approvals from sharing one); registered objects remember their
    // ticket. Tables are rebuilt as in migration 4.
    r#"
    CREATE TABLE new_tickets (
        id              INTEGER PRIMARY KEY,
        tag             TEXT NOT NULL UNIQUE,
        status          TEXT NOT NULL CHECK (status IN (
            'rejected', 'pending-review', 'waiting-for-requester', 'approved', 'declined'
        )),
        dialect         TEXT NOT NULL,
        sender          TEXT,
        requester_from  TEXT,
        as_name         TEXT,
        neighbours      INTEGER,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
    );
    INSERT INTO new_tickets (id, tag, status, dialect, sender, requester_from, created_at, updated_at)
        SELECT id, tag, CASE status WHEN 'accepted' THEN 'pending-review' ELSE status END,
               dialect, sender, sender, created_at, updated_at FROM tickets;
    DROP TABLE tickets;
    ALTER TABLE new_tickets RENAME TO tickets;
    CREATE INDEX tickets_by_status ON tickets(status, created_at);

    CREATE TABLE new_messages (
        id          INTEGER PRIMARY KEY,
        message_id  TEXT,
        sender      TEXT,
        size        INTEGER NOT NULL,
        sha256      TEXT NOT NULL,
        raw         BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        origin      TEXT NOT NULL,
        outcome     TEXT NOT NULL CHECK (outcome IN (
            'accepted', 'rejected', 'help', 'ignored', 'refused', 'duplicate', 'correspondence', 'not-requester'
        )),
        ticket_id   INTEGER REFERENCES tickets(id)
    );
    INSERT INTO new_messages (id, message_id, sender, size, sha256, raw, received_at, origin, outcome, ticket_id)
        SELECT id, message_id, sender, size, sha256, raw, received_at, origin, outcome, ticket_id FROM messages;
    DROP TABLE messages;
    ALTER TABLE new_messages RENAME TO messages;
    CREATE INDEX messages_by_message_id ON messages(message_id, sha256);
    CREATE INDEX messages_by_sender ON messages(sender, received_at);
    CREATE INDEX messages_by_ticket ON messages(ticket_id);

    CREATE TABLE new_events (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        level       TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        ticket_id   INTEGER REFERENCES tickets(id),
        message_id  INTEGER REFERENCES messages(id),
        kind        TEXT NOT NULL CHECK (kind IN (
            'received', 'accepted', 'rejected', 'help', 'ignored', 'refused', 'duplicate',
            'handle-assigned', 'attachments-kept',
            'reply-withheld', 'reply-queued', 'reply-sent', 'reply-deferred', 'reply-refused',
            'import', 'imap-connected', 'imap-error', 'quarantined',
            'state-changed', 'resubmitted', 'correspondence', 'not-requester',
            'question-asked', 'approved', 'declined', 'asn-assigned', 'handle-released', 'registered'
        )),
        details     TEXT NOT NULL,
        actor       TEXT NOT NULL DEFAULT 'formrobot'
    );
    INSERT INTO new_events (id, at, level, ticket_id, message_id, kind, details)
        SELECT id, at, level, ticket_id, message_id, kind, details FROM events;
    DROP TABLE events;
    ALTER TABLE new_events RENAME TO events;
    CREATE INDEX events_by_ticket ON events(ticket_id);
    CREATE INDEX events_by_time ON events(at);
    CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

    ALTER TABLE outbox ADD COLUMN header_message_id TEXT;
    CREATE INDEX outbox_by_header_message_id ON outbox(header_message_id);

    CREATE TABLE asn_assignments (
        asn         INTEGER PRIMARY KEY CHECK (asn BETWEEN 1 AND 4294967295),
        ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
        position    INTEGER NOT NULL,
        operator    TEXT NOT NULL,
        assigned_at INTEGER NOT NULL,
        UNIQUE (ticket_id, position)
    );

    ALTER TABLE registry_objects ADD COLUMN ticket_id INTEGER REFERENCES tickets(id);
    "#,
    // 7: duplicates found by what identifies a mail (its headers that say what it
    // is, and its body: not the trace headers each hop adds), a duplicate's
    // reference to its first receipt, and the replies counted per sender mailbox.
    r#"
    ALTER TABLE messages ADD COLUMN identity TEXT;
    ALTER TABLE messages ADD COLUMN duplicate_of INTEGER REFERENCES messages(id);
    CREATE INDEX messages_by_identity ON messages(identity);

    -- One row per reply and normalised mailbox it counts against (the From and
    -- the Reply-To of the mail it answers, lower case, without a +tag).
    CREATE TABLE reply_quota (
        mailbox     TEXT NOT NULL,
        outbox_id   INTEGER NOT NULL REFERENCES outbox(id),
        at          INTEGER NOT NULL,
        PRIMARY KEY (mailbox, outbox_id)
    ) WITHOUT ROWID;
    CREATE INDEX reply_quota_by_time ON reply_quota(mailbox, at);
    -- The replies already queued count against their recipients.
    INSERT OR IGNORE INTO reply_quota (mailbox, outbox_id, at)
        SELECT CASE WHEN instr(local, '+') > 0 THEN substr(local, 1, instr(local, '+') - 1) ELSE local END
                   || substr(address, length(local) + 1),
               id, created_at
        FROM (SELECT id, created_at, lower(recipient) AS address,
                     CASE WHEN instr(recipient, '@') > 0
                          THEN substr(lower(recipient), 1, instr(recipient, '@') - 1)
                          ELSE lower(recipient) END AS local
              FROM outbox);
    "#,
    // 8: the Resource Request API. Keys are stored as hashes only; a ticket
    // opened through the API remembers the key that opened it (only that key
    // reads its state), its request type, and may be `forwarded` to an
    // upstream registry; the events say when keys are made and revoked and how
    // each forward went. Tables are rebuilt as in migration 4.
    r#"
    CREATE TABLE api_keys (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        sha256      TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL,
        revoked_at  INTEGER
    );

    CREATE TABLE new_tickets (
        id              INTEGER PRIMARY KEY,
        tag             TEXT NOT NULL UNIQUE,
        status          TEXT NOT NULL CHECK (status IN (
            'rejected', 'pending-review', 'waiting-for-requester', 'approved', 'declined', 'forwarded'
        )),
        dialect         TEXT NOT NULL,
        sender          TEXT,
        requester_from  TEXT,
        as_name         TEXT,
        neighbours      INTEGER,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        api_key_id      INTEGER REFERENCES api_keys(id),
        request_type    TEXT
    );
    INSERT INTO new_tickets (id, tag, status, dialect, sender, requester_from, as_name, neighbours, created_at, updated_at)
        SELECT id, tag, status, dialect, sender, requester_from, as_name, neighbours, created_at, updated_at FROM tickets;
    DROP TABLE tickets;
    ALTER TABLE new_tickets RENAME TO tickets;
    CREATE INDEX tickets_by_status ON tickets(status, created_at);

    CREATE TABLE new_events (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        level       TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        ticket_id   INTEGER REFERENCES tickets(id),
        message_id  INTEGER REFERENCES messages(id),
        kind        TEXT NOT NULL CHECK (kind IN (
            'received', 'accepted', 'rejected', 'help', 'ignored', 'refused', 'duplicate',
            'handle-assigned', 'attachments-kept',
            'reply-withheld', 'reply-queued', 'reply-sent', 'reply-deferred', 'reply-refused',
            'import', 'imap-connected', 'imap-error', 'quarantined',
            'state-changed', 'resubmitted', 'correspondence', 'not-requester',
            'question-asked', 'approved', 'declined', 'asn-assigned', 'handle-released', 'registered',
            'api-key-created', 'api-key-revoked', 'forwarded', 'forward-failed', 'forward-rejected'
        )),
        details     TEXT NOT NULL,
        actor       TEXT NOT NULL DEFAULT 'formrobot'
    );
    INSERT INTO new_events (id, at, level, ticket_id, message_id, kind, details, actor)
        SELECT id, at, level, ticket_id, message_id, kind, details, actor FROM events;
    DROP TABLE events;
    ALTER TABLE new_events RENAME TO events;
    CREATE INDEX events_by_ticket ON events(ticket_id);
    CREATE INDEX events_by_time ON events(at);
    CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    "#,
    // 9: the operators' web console (issue 13). Operators log in with a name
    // and a password, stored only as an argon2 hash (PHC string); a session is
    // kept by the SHA-256 of its cookie's token, with the CSRF token its forms
    // carry and when it was last used (sessions end after an idle time).
    // Removing an operator ends their sessions. The events say when operators
    // are added and removed and how logins went. Events are rebuilt as in migration 4.
    r#"
    CREATE TABLE operators (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at    INTEGER NOT NULL
    );

    CREATE TABLE sessions (
        token_sha256  TEXT PRIMARY KEY,
        operator_id   INTEGER NOT NULL REFERENCES operators(id),
        csrf          TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        last_seen     INTEGER NOT NULL
    );
    CREATE INDEX sessions_by_operator ON sessions(operator_id);

    CREATE TABLE new_events (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        level       TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        ticket_id   INTEGER REFERENCES tickets(id),
        message_id  INTEGER REFERENCES messages(id),
        kind        TEXT NOT NULL CHECK (kind IN (
            'received', 'accepted', 'rejected', 'help', 'ignored', 'refused', 'duplicate',
            'handle-assigned', 'attachments-kept',
            'reply-withheld', 'reply-queued', 'reply-sent', 'reply-deferred', 'reply-refused',
            'import', 'imap-connected', 'imap-error', 'quarantined',
            'state-changed', 'resubmitted', 'correspondence', 'not-requester',
            'question-asked', 'approved', 'declined', 'asn-assigned', 'handle-released', 'registered',
            'api-key-created', 'api-key-revoked', 'forwarded', 'forward-failed', 'forward-rejected',
            'operator-added', 'operator-removed', 'logged-in', 'login-failed', 'logged-out'
        )),
        details     TEXT NOT NULL,
        actor       TEXT NOT NULL DEFAULT 'formrobot'
    );
    INSERT INTO new_events (id, at, level, ticket_id, message_id, kind, details, actor)
        SELECT id, at, level, ticket_id, message_id, kind, details, actor FROM events;
    DROP TABLE events;
    ALTER TABLE new_events RENAME TO events;
    CREATE INDEX events_by_ticket ON events(ticket_id);
    CREATE INDEX events_by_time ON events(at);
    CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    "#,
    // 10: the state columns' CHECKs name their words one by one (`status = 'queued'
    // OR ...`) instead of in an `IN (...)` list. For an `IN` list of more than two
    // words, SQLite builds a temporary index of the words each time a statement
    // that checks the column runs: every insert into `events` built two (its level
    // and its kind), each costing about 8 us and a few fresh pages (BENCHMARKS.md).
    // The words, and so what each column accepts, are unchanged; the tables are
    // rebuilt as in migration 4, with every column, index and trigger they have now.
    r#"
    CREATE TABLE new_tickets (
        id              INTEGER PRIMARY KEY,
        tag             TEXT NOT NULL UNIQUE,
        status          TEXT NOT NULL CHECK (
            status = 'rejected' OR status = 'pending-review' OR status = 'waiting-for-requester'
            OR status = 'approved' OR status = 'declined' OR status = 'forwarded'
        ),
        dialect         TEXT NOT NULL,
        sender          TEXT,
        requester_from  TEXT,
        as_name         TEXT,
        neighbours      INTEGER,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        api_key_id      INTEGER REFERENCES api_keys(id),
        request_type    TEXT
    );
    INSERT INTO new_tickets (id, tag, status, dialect, sender, requester_from, as_name, neighbours, created_at,
                             updated_at, api_key_id, request_type)
        SELECT id, tag, status, dialect, sender, requester_from, as_name, neighbours, created_at,
               updated_at, api_key_id, request_type FROM tickets;
    DROP TABLE tickets;
    ALTER TABLE new_tickets RENAME TO tickets;
    CREATE INDEX tickets_by_status ON tickets(status, created_at);

    CREATE TABLE new_messages (
        id          INTEGER PRIMARY KEY,
        message_id  TEXT,
        sender      TEXT,
        size        INTEGER NOT NULL,
        sha256      TEXT NOT NULL,
        raw         BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        origin      TEXT NOT NULL,
        outcome     TEXT NOT NULL CHECK (
            outcome = 'accepted' OR outcome = 'rejected' OR outcome = 'help' OR outcome = 'ignored'
            OR outcome = 'refused' OR outcome = 'duplicate' OR outcome = 'correspondence'
            OR outcome = 'not-requester'
        ),
        ticket_id   INTEGER REFERENCES tickets(id),
        identity    TEXT,
        duplicate_of INTEGER REFERENCES messages(id)
    );
    INSERT INTO new_messages (id, message_id, sender, size, sha256, raw, received_at, origin, outcome, ticket_id,
                              identity, duplicate_of)
        SELECT id, message_id, sender, size, sha256, raw, received_at, origin, outcome, ticket_id,
               identity, duplicate_of FROM messages;
    DROP TABLE messages;
    ALTER TABLE new_messages RENAME TO messages;
    CREATE INDEX messages_by_message_id ON messages(message_id, sha256);
    CREATE INDEX messages_by_sender ON messages(sender, received_at);
    CREATE INDEX messages_by_ticket ON messages(ticket_id);
    CREATE INDEX messages_by_identity ON messages(identity);

    CREATE TABLE new_events (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        level       TEXT NOT NULL CHECK (level = 'info' OR level = 'warn' OR level = 'error'),
        ticket_id   INTEGER REFERENCES tickets(id),
        message_id  INTEGER REFERENCES messages(id),
        kind        TEXT NOT NULL CHECK (
            kind = 'received' OR kind = 'accepted' OR kind = 'rejected' OR kind = 'help'
            OR kind = 'ignored' OR kind = 'refused' OR kind = 'duplicate'
            OR kind = 'handle-assigned' OR kind = 'attachments-kept' OR kind = 'reply-withheld'
            OR kind = 'reply-queued' OR kind = 'reply-sent' OR kind = 'reply-deferred'
            OR kind = 'reply-refused' OR kind = 'import' OR kind = 'imap-connected'
            OR kind = 'imap-error' OR kind = 'quarantined' OR kind = 'state-changed'
            OR kind = 'resubmitted' OR kind = 'correspondence' OR kind = 'not-requester'
            OR kind = 'question-asked' OR kind = 'approved' OR kind = 'declined'
            OR kind = 'asn-assigned' OR kind = 'handle-released' OR kind = 'registered'
            OR kind = 'api-key-created' OR kind = 'api-key-revoked' OR kind = 'forwarded'
            OR kind = 'forward-failed' OR kind = 'forward-rejected' OR kind = 'operator-added'
            OR kind = 'operator-removed' OR kind = 'logged-in' OR kind = 'login-failed'
            OR kind = 'logged-out'
        ),
        details     TEXT NOT NULL,
        actor       TEXT NOT NULL DEFAULT 'formrobot'
    );
    INSERT INTO new_events (id, at, level, ticket_id, message_id, kind, details, actor)
        SELECT id, at, level, ticket_id, message_id, kind, details, actor FROM events;
    DROP TABLE events;
    ALTER TABLE new_events RENAME TO events;
    CREATE INDEX events_by_ticket ON events(ticket_id);
    CREATE INDEX events_by_time ON events(at);
    CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

    CREATE TABLE new_outbox (
        id              INTEGER PRIMARY KEY,
        message_id      INTEGER NOT NULL REFERENCES messages(id),
        ticket_id       INTEGER REFERENCES tickets(id),
        recipient       TEXT NOT NULL,
        subject         TEXT NOT NULL,
        body            BLOB NOT NULL,
        status          TEXT NOT NULL DEFAULT 'queued'
            CHECK (status = 'queued' OR status = 'sending' OR status = 'sent' OR status = 'failed'),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        sent_at         INTEGER,
        last_error      TEXT,
        created_at      INTEGER NOT NULL,
        header_message_id TEXT
    );
    INSERT INTO new_outbox (id, message_id, ticket_id, recipient, subject, body, status, attempts,
                            next_attempt_at, sent_at, last_error, created_at, header_message_id)
        SELECT id, message_id, ticket_id, recipient, subject, body, status, attempts,
               next_attempt_at, sent_at, last_error, created_at, header_message_id FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE new_outbox RENAME TO outbox;
    CREATE INDEX outbox_by_status ON outbox(status, next_attempt_at);
    CREATE INDEX outbox_by_recipient ON outbox(recipient, created_at);
    CREATE INDEX outbox_by_header_message_id ON outbox(header_message_id);
    "#,
];

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use crate::words::{EventKind, EventLevel, MessageOutcome, OutboxState, TicketState};
    use crate::{Store, StoreError};
    use rusqlite::{params, Connection, ErrorCode, OptionalExtension, ToSql};
    use std::collections::BTreeSet;
    use std::fmt::Display;
    use std::path::Path;

    /// Every column that holds words, and the words its enum has.
    fn vocabularies() -> Vec<(&'static str, &'static str, BTreeSet<String>)> {
        fn words<T: Display>(all: &[T]) -> BTreeSet<String> {
            all.iter().map(T::to_string).collect()
        }
        vec![
            ("outbox", "status", words(OutboxState::ALL)),
            ("events", "level", words(EventLevel::ALL)),
            ("events", "kind", words(EventKind::ALL)),
            ("messages", "outcome", words(MessageOutcome::ALL)),
            ("tickets", "status", words(TicketState::ALL)),
        ]
    }

    /// The words that `column`'s CHECK in the table's stored SQL names
    /// (`CHECK (column = 'a' OR column = 'b')`, or `CHECK (column IN ('a', 'b'))`
    /// before migration 10).
    fn check_list(connection: &Connection, table: &str, column: &str) -> BTreeSet<String> {
        let sql: String = connection
            .query_row("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", [table], |row| row.get(0))
            .expect("table exists");
        let body = sql
            .match_indices("CHECK (")
            .map(|(at, start)| checked_body(&sql[at + start.len()..]))
            .find(|body| body.split_whitespace().next() == Some(column))
            .unwrap_or_else(|| panic!("{table}.{column} has no CHECK: {sql}"));
        body.split('\'').skip(1).step_by(2).map(str::to_owned).collect()
    }

    /// What stands between a CHECK's opening parenthesis (just before `rest`) and the one that closes it.
    fn checked_body(rest: &str) -> &str {
        let mut depth = 1;
        for (at, c) in rest.char_indices() {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            if depth == 0 {
                return &rest[..at];
            }
        }
        panic!("the CHECK is never closed: {rest}")
    }

    fn is_check_failure(result: rusqlite::Result<usize>) -> bool {
        matches!(result, Err(rusqlite::Error::SqliteFailure(e, Some(ref text)))
            if e.code == ErrorCode::ConstraintViolation && text.starts_with("CHECK constraint failed"))
    }

    /// One row in each table, every word column with its first word.
    fn fill(connection: &Connection) {
        connection
            .execute_batch(
                "INSERT INTO tickets (id, tag, status, dialect, sender, created_at, updated_at)
                     VALUES (1, 'FR-0000000001', 'accepted', 'ripe', 'a@example.net', 10, 11);
                 INSERT INTO messages (id, message_id, sender, size, sha256, raw, received_at, origin, outcome, ticket_id)
                     VALUES (1, '<a@example.net>', 'a@example.net', 3, 'abc', x'616263', 10, 'test', 'accepted', 1);
                 INSERT INTO messages (id, message_id, sender, size, sha256, raw, received_at, origin, outcome)
                     VALUES (2, '<b@example.net>', NULL, 1, 'def', x'00', 12, 'test', 'ignored');
                 INSERT INTO objects (ticket_id, position, class, submitted, rewritten)
                     VALUES (1, 0, 'person', 'person: A', 'person: A');
                 INSERT INTO nic_handles (handle, initials, number, suffix, name, placeholder, ticket_id, created_at)
                     VALUES ('AE1-RIPE', 'AE', 1, 'RIPE', 'A E', 'AUTO-1', 1, 10);
                 INSERT INTO handle_prefix (initials, suffix, dense_upto) VALUES ('AE', 'RIPE', 1);
                 INSERT INTO registry_objects (class, key, name, text, imported_at)
                     VALUES ('mntner', 'A-MNT', NULL, 'mntner: A-MNT', 9);
                 INSERT INTO events (at, level, ticket_id, message_id, kind, details) VALUES
                     (10, 'info', NULL, 1, 'received', '3 bytes'),
                     (10, 'info', 1, 1, 'handle-assigned', 'AUTO-1 -> AE1-RIPE (A E)'),
                     (12, 'warn', NULL, NULL, 'imap-error', 'lost');
                 INSERT INTO outbox (message_id, ticket_id, recipient, subject, body, status, next_attempt_at, created_at)
                     VALUES (1, 1, 'a@example.net', 'Re: [FR-0000000001]', x'6869', 'queued', 10, 10),
                            (1, 1, 'a@example.net', 'again', x'6869', 'sent', 10, 10);
                 INSERT INTO attachments (message_id, ticket_id, filename, content_type, size, content)
                     VALUES (1, 1, 'c.pdf', 'application/pdf', 1, x'25');
                 INSERT INTO imap_seen (mailbox, uidvalidity, uid, message_id) VALUES ('INBOX', 7, 1, 1);",
            )
            .expect("rows inserted");
    }

    /// Every row of every table, as text, sorted.
    fn contents(connection: &Connection) -> Vec<String> {
        contents_of(connection, &columns(connection))
    }

    /// Each table's columns, in order.
    fn columns(connection: &Connection) -> Vec<(String, Vec<String>)> {
        let mut names =
            connection.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").expect("prepares");
        let tables: Vec<String> =
            names.query_map([], |row| row.get(0)).expect("queries").collect::<Result<_, _>>().expect("names");
        tables
            .into_iter()
            .map(|table| {
                let mut info = connection.prepare(&format!("PRAGMA table_info({table})")).expect("prepares");
                let columns: Vec<String> =
                    info.query_map([], |row| row.get(1)).expect("queries").collect::<Result<_, _>>().expect("columns");
                (table, columns)
            })
            .collect()
    }

    /// The rows of the tables and columns named, as text, sorted: what a later
    /// migration must keep of an older database.
    fn contents_of(connection: &Connection, columns: &[(String, Vec<String>)]) -> Vec<String> {
        let mut all = Vec::new();
        for (table, names) in columns {
            let mut statement =
                connection.prepare(&format!("SELECT {} FROM {table}", names.join(", "))).expect("prepares");
            let width = statement.column_count();
            let rows = statement
                .query_map([], |row| {
                    (0..width).map(|i| row.get::<_, rusqlite::types::Value>(i)).collect::<Result<Vec<_>, _>>()
                })
                .expect("queries");
            for row in rows {
                all.push(format!("{table}: {:?}", row.expect("row")));
            }
        }
        all.sort();
        all
    }

    /// The names of the indexes and triggers, with their tables.
    fn indexes_and_triggers(connection: &Connection) -> BTreeSet<(String, String, String)> {
        let mut statement = connection
            .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('index', 'trigger')")
            .expect("prepares");
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).expect("queries");
        rows.collect::<Result<_, _>>().expect("rows")
    }

    /// A database file at schema version `version`, written as that version's formrobot would have.
    fn database_at(path: &Path, version: usize) -> Connection {
        let connection = Connection::open(path).expect("opens");
        connection.pragma_update(None, "foreign_keys", true).expect("foreign keys");
        for migration in &MIGRATIONS[..version] {
            connection.execute_batch(migration).expect("old migration");
        }
        connection.pragma_update(None, "user_version", version as i64).expect("version");
        connection
    }

    #[test]
    fn every_check_list_is_its_enums_words() {
        let store = Store::open_in_memory().expect("opens");
        for (table, column, words) in vocabularies() {
            assert_eq!(
                check_list(store.connection(), table, column),
                words,
                "{table}.{column}: a new word needs its variant AND a migration rebuilding the table"
            );
        }
    }

    /// SQLite checks an `IN` list of more than two words through a temporary
    /// index that it builds at every run of the statement (migration 10): no
    /// write to a table with a state column may need one.
    #[test]
    fn no_write_builds_a_temporary_index() {
        let store = Store::open_in_memory().expect("opens");
        let writes = [
            "INSERT INTO tickets (tag, status, dialect, created_at, updated_at) VALUES ('t', ?1, 'ripe', 1, 1)",
            "UPDATE tickets SET status = ?1 WHERE id = 1",
            "INSERT INTO messages (size, sha256, raw, received_at, origin, outcome) VALUES (0, '', x'', 1, 't', ?1)",
            "INSERT INTO events (at, level, kind, details) VALUES (1, 'info', ?1, '')",
            "INSERT INTO outbox (message_id, recipient, subject, body, status, next_attempt_at, created_at)
                 VALUES (1, 'a@example.net', 's', x'', ?1, 1, 1)",
            "UPDATE outbox SET status = ?1 WHERE id = 1",
        ];
        for write in writes {
            let mut explain = store.connection().prepare(&format!("EXPLAIN {write}")).expect("explains");
            let opcodes: Vec<String> =
                explain.query_map(["x"], |row| row.get(1)).expect("runs").collect::<Result<_, _>>().expect("opcodes");
            assert!(opcodes.iter().any(|op| op == "Insert" || op == "Column"), "{write}: {opcodes:?}");
            assert!(!opcodes.iter().any(|op| op == "OpenEphemeral"), "{write} builds a temporary index: {opcodes:?}");
        }
        // The reason, kept true: the same check written as an IN list of three words builds one.
        let connection = store.connection();
        connection.execute_batch("CREATE TEMP TABLE words (word TEXT CHECK (word IN ('a', 'b', 'c')))").expect("table");
        let mut explain = connection.prepare("EXPLAIN INSERT INTO words VALUES ('a')").expect("explains");
        let opcodes: Vec<String> =
            explain.query_map([], |row| row.get(1)).expect("runs").collect::<Result<_, _>>().expect("opcodes");
        assert!(opcodes.iter().any(|op| op == "OpenEphemeral"), "{opcodes:?}");
    }

    #[test]
    fn the_database_takes_every_variant_and_refuses_other_words() {
        let store = Store::open_in_memory().expect("opens");
        let connection = store.connection();
        let ticket = |id: i64, status: &dyn ToSql| {
            connection.execute(
                "INSERT INTO tickets (id, tag, status, dialect, created_at, updated_at) VALUES (?1, ?2, ?3, 'ripe', 1, 1)",
                params![id, format!("FR-{id:010}"), status],
            )
        };
        let message = |id: i64, outcome: &dyn ToSql| {
            connection.execute(
                "INSERT INTO messages (id, size, sha256, raw, received_at, origin, outcome)
                 VALUES (?1, 0, '', x'', 1, 'test', ?2)",
                params![id, outcome],
            )
        };
        let event = |level: &dyn ToSql, kind: &dyn ToSql| {
            connection
                .execute("INSERT INTO events (at, level, kind, details) VALUES (1, ?1, ?2, '')", params![level, kind])
        };
        let outbox = |status: &dyn ToSql| {
            connection.execute(
                "INSERT INTO outbox (message_id, recipient, subject, body, status, next_attempt_at, created_at)
                 VALUES (1, 'a@example.net', 's', x'', ?1, 1, 1)",
                params![status],
            )
        };

        for (id, state) in (1..).zip(TicketState::ALL) {
            ticket(id, state).unwrap_or_else(|e| panic!("ticket {state}: {e}"));
        }
        for (id, outcome) in (1..).zip(MessageOutcome::ALL) {
            message(id, outcome).unwrap_or_else(|e| panic!("message {outcome}: {e}"));
        }
        for level in EventLevel::ALL {
            for kind in EventKind::ALL {
                event(level, kind).unwrap_or_else(|e| panic!("event {level} {kind}: {e}"));
            }
        }
        for state in OutboxState::ALL {
            outbox(state).unwrap_or_else(|e| panic!("outbox {state}: {e}"));
        }

        for unknown in ["pending", "", "ACCEPTED", "Queued", "warning", "test"] {
            assert!(is_check_failure(ticket(100, &unknown)), "ticket {unknown:?}");
            assert!(is_check_failure(message(100, &unknown)), "message {unknown:?}");
            assert!(is_check_failure(event(&unknown, &EventKind::Received)), "event level {unknown:?}");
            assert!(is_check_failure(event(&EventLevel::Info, &unknown)), "event kind {unknown:?}");
            assert!(is_check_failure(outbox(&unknown)), "outbox {unknown:?}");
        }
        assert!(outbox(&rusqlite::types::Null).is_err(), "NULL is no state either");
        assert!(is_check_failure(
            connection.execute("UPDATE outbox SET status = 'bounced' WHERE status = ?1", [OutboxState::Queued])
        ));
    }

    #[test]
    fn a_version_3_database_upgrades_keeping_its_rows_then_refuses_bad_words() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("formrobot.db");
        let old = database_at(&path, 3);
        fill(&old);
        let old_columns = columns(&old);
        // Migration 6 gives the lifecycle's name to a ticket that waited for a hostmaster.
        let before: Vec<String> = contents(&old)
            .into_iter()
            .map(|row| row.replace("Text(\"accepted\"), Text(\"ripe\")", "Text(\"pending-review\"), Text(\"ripe\")"))
            .collect();
        let structure_before = indexes_and_triggers(&old);
        drop(old);

        let mut store = Store::open(&path).expect("upgrades");
        assert_eq!(store.schema_version().expect("version"), MIGRATIONS.len() as i64);
        let connection = store.connection();
        assert_eq!(contents_of(connection, &old_columns), before, "every row kept, ids included");
        let structure_after = indexes_and_triggers(connection);
        assert!(structure_after.is_superset(&structure_before), "indexes and triggers kept");
        let fresh = Store::open_in_memory().expect("opens");
        assert_eq!(indexes_and_triggers(fresh.connection()), structure_after, "the same as a new database");
        let keys: i64 = connection.pragma_query_value(None, "foreign_keys", |r| r.get(0)).expect("fk");
        assert_eq!(keys, 1, "foreign keys are back on");
        let broken: Option<String> =
            connection.query_row("PRAGMA foreign_key_check", [], |row| row.get(0)).optional().expect("checks");
        assert_eq!(broken, None);
        let referenced: String = connection
            .query_row("SELECT \"table\" FROM pragma_foreign_key_list('objects')", [], |row| row.get(0))
            .expect("objects refer to tickets");
        assert_eq!(referenced, "tickets");

        for (table, column, words) in vocabularies() {
            assert_eq!(check_list(connection, table, column), words, "{table}.{column}");
        }
        assert!(is_check_failure(connection.execute("UPDATE outbox SET status = 'bounced' WHERE id = 1", [])));
        assert!(is_check_failure(connection.execute("UPDATE tickets SET status = 'pending' WHERE id = 1", [])));
        assert!(is_check_failure(connection.execute("UPDATE messages SET outcome = 'lost' WHERE id = 2", [])));
        assert!(is_check_failure(
            connection
                .execute("INSERT INTO events (at, level, kind, details) VALUES (13, 'debug', 'received', '')", [])
        ));
        assert!(is_check_failure(
            connection.execute("INSERT INTO events (at, level, kind, details) VALUES (13, 'info', 'test', '')", [])
        ));
        assert!(connection.execute("UPDATE events SET details = 'changed'", []).is_err(), "still append-only");
        assert!(connection.execute("DELETE FROM events", []).is_err(), "still append-only");
        assert!(
            connection
                .execute(
                    "INSERT INTO outbox (message_id, recipient, subject, body, next_attempt_at, created_at)
                     VALUES (99, 'x@example.net', 's', x'', 1, 1)",
                    []
                )
                .is_err(),
            "foreign keys are enforced"
        );

        // The store reads and writes the upgraded rows through its types.
        let due = store.due_replies(20, 10).expect("due");
        assert_eq!(due.iter().map(|r| r.id).collect::<Vec<_>>(), [1]);
        store.mark_sent(1, 20, "250 ok").expect("marked");
        assert!(store.due_replies(20, 10).expect("due").is_empty());
        let detail = store.ticket("FR-0000000001").expect("ticket");
        assert_eq!(detail.state, TicketState::PendingReview);
        assert_eq!(detail.messages[0].outcome, MessageOutcome::Accepted);
        let kinds: Vec<EventKind> = detail.events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::HandleAssigned, EventKind::ReplySent]);
        store.log(21, EventLevel::Warn, EventKind::ImapError, "again").expect("logged");
        let last = store.events(&crate::query::EventFilter::default()).expect("events").pop().expect("an event");
        assert_eq!((last.level, last.kind, last.details.as_str()), (EventLevel::Warn, EventKind::ImapError, "again"));
    }

    #[test]
    fn a_version_3_database_with_an_unknown_word_is_left_as_it_was() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("formrobot.db");
        let old = database_at(&path, 3);
        fill(&old);
        old.execute("UPDATE outbox SET status = 'bounced' WHERE id = 2", []).expect("version 3 takes any word");
        let before = contents(&old);
        drop(old);

        let error = Store::open(&path).err().expect("the upgrade fails");
        assert!(error.to_string().contains("CHECK constraint failed"), "{error}");
        let old = Connection::open(&path).expect("opens");
        let version: i64 = old.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
        assert_eq!(version, 3);
        assert_eq!(contents(&old), before);
    }

    #[test]
    fn a_migration_that_would_break_references_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("formrobot.db");
        let old = database_at(&path, 3);
        fill(&old);
        old.pragma_update(None, "foreign_keys", false).expect("off");
        old.execute("DELETE FROM tickets WHERE id = 1", []).expect("a dangling reference, as no formrobot wrote");
        drop(old);

        let error = Store::open(&path).err().expect("the upgrade fails");
        assert!(matches!(error, StoreError::BrokenReferences { version: 4, .. }), "{error}");
        let old = Connection::open(&path).expect("opens");
        let version: i64 = old.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
        assert_eq!(version, 3);
    }

    #[test]
    fn version_7_counts_the_replies_already_queued_against_their_mailboxes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("formrobot.db");
        let old = database_at(&path, 5);
        fill(&old);
        old.execute(
            "INSERT INTO outbox (message_id, recipient, subject, body, status, next_attempt_at, created_at)
             VALUES (1, 'Eager+Tag@Example.ORG', 's', x'', 'queued', 30, 30)",
            [],
        )
        .expect("a tagged recipient");
        drop(old);

        let store = Store::open(&path).expect("upgrades");
        let mut statement = store
            .connection()
            .prepare("SELECT mailbox, outbox_id, at FROM reply_quota ORDER BY outbox_id")
            .expect("ok");
        let rows: Vec<(String, i64, i64)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .expect("queries")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(
            rows,
            [
                ("a@example.net".to_owned(), 1, 10),
                ("a@example.net".to_owned(), 2, 10),
                ("eager@example.org".to_owned(), 3, 30)
            ]
        );
        let message: (Option<String>, Option<i64>) = store
            .connection()
            .query_row("SELECT identity, duplicate_of FROM messages WHERE id = 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .expect("columns added");
        assert_eq!(message, (None, None));
    }
}
