//! Stage 7, record: the registry's state in one SQLite file.
//!
//! The store is part of the imperative shell: it owns the database
//! connection, and the pure stages hand it data to keep. What it holds:
//! received messages, tickets, their objects, NIC handles, the registry's
//! existing objects, an append-only event log and an outbox of replies.
//!
//! - [`schema`]: versioned migrations, applied when the store opens.
//! - [`record`]: one processed mail in one transaction, handles included, and
//!   the ticket it belongs to (a follow-up by its tag or the mails it answers).
//! - [`lifecycle`]: a ticket's states and who changed them, the handles it holds.
//! - [`review`]: the operators' queue and their actions' transactions (AS
//!   numbers from the pools, objects into the registry, mail to the requester).
//! - [`import`]: loading RPSL dumps of existing objects.
//! - [`console`]: the web console's operator accounts and sessions;
//!   [`overview`]: what its overview counts.
//! - [`query`]: the processing log and ticket details for operators.
//! - [`words`]: the words stored in state columns (outbox states, event levels
//!   and kinds, message outcomes, ticket states), as enums.

pub mod api;
pub mod console;
pub mod import;
pub mod lifecycle;
pub mod outbox;
pub mod overview;
pub mod query;
pub mod record;
pub mod review;
mod schema;
pub mod words;

pub use words::{EventKind, EventLevel, MessageOutcome, OutboxState, TicketState, UnknownWord};

use formrobot_engine::validate::registry::{LookupError, Registry};
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;
use std::time::Duration;

/// The database file used when none is named.
pub const DEFAULT_PATH: &str = "formrobot.db";

/// The longest write-ahead log that [`Store::keep_a_short_log_on_close`] leaves
/// behind: about six mails of a few kilobytes each (a mail's commit writes some
/// twenty-three 4 KiB pages). Each next opening reads it whole (about 5 us a
/// page), and each time it is full, a close copies it (some 4 ms of waits for
/// the disk): against 1 MiB, side by side on a loaded machine, the median run
/// was 1.3 to 1.9 ms quicker and the mean the same (BENCHMARKS.md).
pub const LOG_KEPT_ON_CLOSE_BYTES: u64 = 512 * 1024;

/// How long a writer waits for another writer's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused or failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer formrobot.
    #[error("the database is at schema version {found}, newer than this formrobot knows ({known}); upgrade formrobot")]
    TooNew {
        /// The file's schema version.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// Reading an import file failed.
    #[error("reading the import failed: {0}")]
    Io(#[from] std::io::Error),
    /// A line of an import is longer than the import reads; the import stopped there.
    #[error(
        "{file}: line {line} is longer than {limit} bytes, which no registry object needs; the import \
         stopped there (the objects before it were imported, and importing the file again is harmless)"
    )]
    LineTooLong {
        /// The file being imported.
        file: String,
        /// The line's number, from 1.
        line: usize,
        /// The longest line read, in bytes.
        limit: usize,
    },
    /// A ticket asked for does not exist.
    #[error("no ticket {0}")]
    NoSuchTicket(String),
    /// No AS number could be assigned; nothing was changed.
    #[error(transparent)]
    Asn(#[from] review::AsnError),
    /// The ticket is not in a state that allows what was asked; nothing was changed.
    #[error("ticket {ticket} is {state}; it must be {wanted}")]
    WrongState {
        /// The ticket's tag.
        ticket: String,
        /// Its state.
        state: TicketState,
        /// The states that would allow it, in words.
        wanted: &'static str,
    },
    /// An API key could not be made or revoked; nothing was changed.
    #[error(transparent)]
    Key(#[from] api::KeyError),
    /// An operator account could not be made or removed; nothing was changed.
    #[error(transparent)]
    Account(#[from] console::AccountError),
    /// A migration would leave rows referring to rows that do not exist; nothing was changed.
    #[error("migrating the database to schema version {version} would break references from table {table}; the database was not changed")]
    BrokenReferences {
        /// The schema version the migration leads to.
        version: i64,
        /// A table with a row whose reference has no target.
        table: String,
    },
}

/// Runs `sql` with a statement prepared once per connection and kept: for
/// the statements run for every mail, SQLite's parser costs more than the work.
pub(crate) fn execute_cached(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    connection.prepare_cached(sql)?.execute(params)
}

impl StoreError {
    /// Whether trying again later may succeed (the database was busy or locked).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

/// The registry's state.
pub struct Store {
    connection: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::prepare(Connection::open(path)?)
    }

    /// Opens the database at `path` for reading only, for operators who may
    /// read it but not write it (`log`, `show`). A file that does not exist
    /// yet, or whose schema is not this formrobot's, is opened as by [`Store::open`].
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Store::open(path);
        }
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
            | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let open = |uri: &str| -> Result<(Connection, i64), rusqlite::Error> {
            let connection = Connection::open_with_flags(uri, flags)?;
            connection.busy_timeout(BUSY_TIMEOUT)?;
            let version = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
            Ok((connection, version))
        };
        let uri = file_uri(path);
        let (connection, version) = match open(&uri) {
            Ok(opened) => opened,
            // Reading a WAL database takes its -shm file; a reader who may not create it can still
            // read the file as it is when no writer has it open (no -wal file: nothing is pending).
            Err(rusqlite::Error::SqliteFailure(error, _))
                if matches!(error.code, rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
                    && !wal_path(path).exists() =>
            {
                open(&format!("{uri}?immutable=1"))?
            }
            Err(error) => return Err(error.into()),
        };
        if version != i64::try_from(schema::MIGRATIONS.len()).unwrap_or(i64::MAX) {
            return Store::open(path);
        }
        Ok(Store { connection })
    }

    /// A store in memory, for tests and dry runs.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut connection: Connection) -> Result<Store, StoreError> {
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets operators read the log while the robot writes; in memory it stays "memory".
        let _mode: String = connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        migrate(&mut connection)?;
        connection.pragma_update(None, "foreign_keys", true)?;
        // A mail recorded inside a batch is a savepoint, whose journal SQLite
        // keeps in a temporary file: in memory it costs no write to the disk.
        connection.pragma_update(None, "temp_store", "MEMORY")?;
        // Every statement of recording a mail is prepared once, not once per mail.
        connection.set_prepared_statement_cache_capacity(64);
        Ok(Store { connection })
    }

    /// Leaves the checkpoints (copying what the write-ahead log holds into the
    /// database file, with its syncs) to another connection's
    /// [`Store::checkpoint`], so that this connection's commits do not wait for
    /// them; closing the last connection still copies what is left.
    pub fn leave_checkpoints_to_another_connection(&self) -> Result<(), StoreError> {
        self.connection.pragma_update(None, "wal_autocheckpoint", 0)?;
        Ok(())
    }

    /// Lets this connection's close leave the write-ahead log as it is, even
    /// as the last connection, while the log is shorter than
    /// [`LOG_KEPT_ON_CLOSE_BYTES`]: no checkpoint (two waits for the disk) and
    /// no deleting of the log, which the next writer would create anew (a
    /// wait for its header, and the folder's sync, which SQLite makes at each
    /// opening of the log anyway, waits for a change). For `formrobot process`, one
    /// short-lived connection per mail. What the log holds is committed and
    /// durable either way.
    ///
    /// The bound is needed: the first connection to open the file rebuilds
    /// the log's index from the log (reading all of it) and takes none of it
    /// as copied, so neither its reading nor SQLite's automatic checkpoint
    /// ever starts the log afresh, and it would grow with every mail. Past the
    /// bound, the close copies the log into the database file and deletes it
    /// as usual, once every few mails. While another connection (the daemon's)
    /// has the file open, no close copies or deletes anything, as before, and
    /// that connection's checkpoints keep the log short.
    pub fn keep_a_short_log_on_close(&self) -> Result<(), StoreError> {
        let short = match self.connection.path() {
            // A log that is not there yet is short; one that cannot be measured is left to the close.
            Some(path) if !path.is_empty() => match std::fs::metadata(wal_path(Path::new(path))) {
                Ok(log) => log.len() < LOG_KEPT_ON_CLOSE_BYTES,
                Err(error) => error.kind() == std::io::ErrorKind::NotFound,
            },
            // In memory there is no log to keep.
            _ => false,
        };
        self.connection.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, short)?;
        Ok(())
    }

    /// Copies into the database file what the write-ahead log holds, as far as
    /// it can without waiting for the writer or the readers (a passive
    /// checkpoint); what it cannot copy now, the next checkpoint copies.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Lets SQLite's page cache grow to [`BATCH_CACHE_KIB`], for a connection
    /// that records many mails per transaction (`replay`): a batch dirties
    /// more pages than the default cache of 2 MiB holds, and past it SQLite
    /// writes pages into the log before the commit, reads them back, and
    /// writes many again at the commit. The cache only grows as far as the
    /// work needs; a connection for one mail keeps the default, as one huge
    /// mail would only fill the larger cache with its own pages.
    pub fn cache_whole_batches(&self) -> Result<(), StoreError> {
        self.connection.pragma_update(None, "cache_size", BATCH_CACHE_KIB)?;
        Ok(())
    }

    /// Waits until everything committed through this store so far is on the
    /// disk, as fully durable commits would have: syncs the write-ahead log,
    /// whoever wrote it. For work whose commits did not wait for the disk
    /// ([`Store::prefer_fast_commits`]), before it reports itself done or lets
    /// anything depend on them. Nothing to do in memory.
    ///
    /// Only the log: what is in the database file got there by a checkpoint,
    /// which syncs the file itself (in WAL mode, at `synchronous=NORMAL` too).
    /// And the database file must not be opened here: closing any descriptor
    /// of it would drop every POSIX lock this process holds on it, SQLite's
    /// included, and another process could then checkpoint and delete the
    /// log that this process's connections still write to.
    pub fn sync_committed(&self) -> std::io::Result<()> {
        let Some(path) = self.connection.path().filter(|path| !path.is_empty()) else { return Ok(()) };
        match std::fs::File::open(wal_path(Path::new(path))) {
            Ok(log) => log.sync_all(),
            // No log: everything is in the database file (the log was checkpointed and deleted).
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.connection.pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    #[cfg(test)]
    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }
}

/// `path` as an SQLite `file:` URI, with the characters URIs reserve escaped.
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// The page cache of [`Store::cache_whole_batches`], in KiB (a negative
/// `cache_size` counts KiB): room for a batch's pages.
const BATCH_CACHE_KIB: i64 = -8 * 1024;

/// The write-ahead log next to the database at `path`.
fn wal_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    std::path::PathBuf::from(name)
}

/// Applies every migration the database has not seen, each in its own transaction.
///
/// Foreign keys are off while migrations run, as SQLite asks for migrations that
/// rebuild a table (<https://www.sqlite.org/lang_altertable.html#otheralter>):
/// dropping the old table must neither delete nor check the rows that refer to
/// it. The switch only works outside a transaction, so it is made here, and
/// each migration checks every reference before it commits. The caller turns
/// foreign keys back on.
fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let known = i64::try_from(schema::MIGRATIONS.len()).unwrap_or(i64::MAX);
    // Nearly every opening finds the schema current: a read tells, without
    // taking the write lock that the migrations need (versions only go up).
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version == known {
        return Ok(());
    }
    connection.pragma_update(None, "foreign_keys", false)?;
    loop {
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = transaction.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version > known {
            return Err(StoreError::TooNew { found: version, known });
        }
        let Some(migration) = usize::try_from(version).ok().and_then(|v| schema::MIGRATIONS.get(v)) else {
            return Ok(());
        };
        transaction.execute_batch(migration)?;
        let broken: Option<String> =
            transaction.query_row("PRAGMA foreign_key_check", [], |row| row.get(0)).optional()?;
        if let Some(table) = broken {
            return Err(StoreError::BrokenReferences { version: version + 1, table });
        }
        transaction.pragma_update(None, "user_version", version + 1)?;
        transaction.commit()?;
    }
}

/// The one row `sql` selects with `params`, if any, through the
/// connection's cache of prepared statements: for the look-ups made for
/// every mail, which a long replay or the daemon would otherwise parse anew each time.
pub(crate) fn query_row_cached<T>(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    connection.prepare_cached(sql)?.query_row(params, row).optional()
}

impl Registry for Store {
    fn is_loaded(&self) -> Result<bool, LookupError> {
        let any: Option<i64> =
            query_row_cached(&self.connection, "SELECT 1 FROM registry_objects LIMIT 1", [], |row| row.get(0))?;
        Ok(any.is_some())
    }

    fn handle_owner(&self, handle: &str) -> Result<Option<String>, LookupError> {
        let owner = query_row_cached(
            &self.connection,
            "SELECT name FROM nic_handles WHERE handle = ?1",
            [handle.to_ascii_uppercase()],
            |row| row.get(0),
        )?;
        Ok(owner)
    }

    fn has_maintainer(&self, name: &str) -> Result<bool, LookupError> {
        let found: Option<i64> = query_row_cached(
            &self.connection,
            "SELECT 1 FROM registry_objects WHERE class = 'mntner' AND key = ?1",
            [name.to_ascii_uppercase()],
            |row| row.get(0),
        )?;
        Ok(found.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_bring_a_new_file_to_the_latest_version_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.db");
        let store = Store::open(&path).expect("opens");
        assert_eq!(store.schema_version().expect("version"), schema::MIGRATIONS.len() as i64);
        drop(store);
        let again = Store::open(&path).expect("opens again");
        assert_eq!(again.schema_version().expect("version"), schema::MIGRATIONS.len() as i64);
        let mode: String = again.connection().pragma_query_value(None, "journal_mode", |r| r.get(0)).expect("mode");
        assert_eq!(mode, "wal");
        let keys: i64 = again.connection().pragma_query_value(None, "foreign_keys", |r| r.get(0)).expect("fk");
        assert_eq!(keys, 1);
    }

    /// Set in the second process of the test below: the database it opens and closes.
    const OTHER_PROCESS_DATABASE: &str = "FORMROBOT_STORE_TEST_OTHER_PROCESS_DATABASE";

    #[test]
    fn syncing_keeps_the_locks_that_tell_other_processes_the_log_is_in_use() {
        let count = |connection: &Connection| -> i64 {
            connection.query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0)).expect("counts")
        };
        if let Some(path) = std::env::var_os(OTHER_PROCESS_DATABASE) {
            // The other process: it reads, then closes. Were it the last connection, its close
            // would checkpoint the log and delete it.
            let connection = Connection::open(path).expect("opens");
            count(&connection);
            return;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.db");
        let store = Store::open(&path).expect("opens");
        store.prefer_fast_commits().expect("normal");
        let insert = |store: &Store| {
            store
                .connection()
                .execute("INSERT INTO events (at, level, kind, details) VALUES (1, 'info', 'import', 'x')", [])
                .expect("inserts");
        };
        insert(&store);
        store.sync_committed().expect("syncs the log");
        let other = std::process::Command::new(std::env::current_exe().expect("this test's program"))
            .args(["--exact", "tests::syncing_keeps_the_locks_that_tell_other_processes_the_log_is_in_use"])
            .env(OTHER_PROCESS_DATABASE, &path)
            .output()
            .expect("the other process runs");
        assert!(other.status.success(), "{}", String::from_utf8_lossy(&other.stderr));
        assert!(wal_path(&path).exists(), "the other process knew this one still had the database open");
        insert(&store);
        assert_eq!(count(&Connection::open(&path).expect("opens")), 2, "both commits are seen by a new connection");
    }

    #[test]
    fn fast_commits_are_made_durable_on_request() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.db");
        let mut store = Store::open(&path).expect("opens");
        store.prefer_fast_commits().expect("normal");
        let synchronous: i64 = store.connection().pragma_query_value(None, "synchronous", |r| r.get(0)).expect("sync");
        assert_eq!(synchronous, 1, "NORMAL: commits do not wait for the disk");
        store.begin_batch().expect("begins");
        store
            .connection()
            .execute("INSERT INTO events (at, level, kind, details) VALUES (1, 'info', 'import', 'x')", [])
            .expect("insert works");
        store.commit_batch().expect("commits");
        assert!(wal_path(&path).exists(), "the commit is in the write-ahead log");
        store.sync_committed().expect("syncs the log");
        drop(store);
        // The last close copied the log into the file and deleted it: the file alone is synced.
        assert!(!wal_path(&path).exists());
        let again = Store::open(&path).expect("opens again");
        again.sync_committed().expect("syncs without a log");
        let cache = |store: &Store| -> i64 {
            store.connection().pragma_query_value(None, "cache_size", |r| r.get(0)).expect("cache")
        };
        assert_eq!(cache(&again), -2000, "SQLite's default");
        again.cache_whole_batches().expect("larger cache");
        assert_eq!(cache(&again), BATCH_CACHE_KIB);
        Store::open_in_memory().expect("opens").sync_committed().expect("nothing to sync in memory");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.db");
        {
            let connection = Connection::open(&path).expect("opens");
            connection.pragma_update(None, "user_version", 999).expect("set version");
        }
        assert!(matches!(Store::open(&path), Err(StoreError::TooNew { found: 999, .. })));
    }

    #[test]
    fn the_event_log_is_append_only() {
        let store = Store::open_in_memory().expect("opens");
        store
            .connection()
            .execute("INSERT INTO events (at, level, kind, details) VALUES (1, 'info', 'import', 'x')", [])
            .expect("insert works");
        assert!(store.connection().execute("UPDATE events SET details = 'y'", []).is_err());
        assert!(store.connection().execute("DELETE FROM events", []).is_err());
    }
}
