//! Group commits: many mails recorded in one store transaction, each in a
//! savepoint of its own ([`Store::begin_batch`]), so that they cost one write
//! to the disk instead of one each. `replay` and the daemon's intake batch
//! through this one type.
//!
//! Until the commit nothing of a batch is visible to other connections or
//! survives a crash, so whatever is to be done about a mail once it is
//! recorded (`replay` writes its reply file, the daemon moves it out of the
//! inbox) waits in the batch and is handed back by [`Batch::commit`].

use formrobot_store::{Store, StoreError};
use std::time::{Duration, Instant};

/// How many mails at most share one commit.
const BATCH_MAILS: usize = 256;
/// How many bytes of mail at most one commit holds.
const BATCH_BYTES: usize = 16 * 1024 * 1024;
/// The longest a mail waits for its batch's commit. It also bounds how long a
/// batch holds the database's write lock, for which any other writer (the
/// daemon's sender, an operator) waits meanwhile.
const BATCH_WAIT: Duration = Duration::from_millis(200);

/// Mails recorded in one store transaction, and what is to be done about each
/// of them (`T`) once that transaction is committed.
#[derive(Debug)]
pub struct Batch<T> {
    /// Whether mails are batched at all (not in a dry run, which keeps nothing).
    enabled: bool,
    /// Whether the store's batch transaction is open.
    open: bool,
    started: Instant,
    mails: usize,
    bytes: usize,
    pending: Vec<T>,
}

impl<T> Batch<T> {
    /// An empty batch; `enabled: false` leaves every mail to its own transaction.
    pub fn new(enabled: bool) -> Batch<T> {
        Batch { enabled, open: false, started: Instant::now(), mails: 0, bytes: 0, pending: Vec::new() }
    }

    /// Opens the store's transaction for the next mail, if none is open.
    pub fn open(&mut self, store: &mut Store) -> Result<(), StoreError> {
        if self.enabled && !self.open {
            store.begin_batch()?;
            self.open = true;
            self.started = Instant::now();
        }
        Ok(())
    }

    /// Counts a mail of `bytes` bytes recorded in the batch.
    pub fn recorded(&mut self, bytes: usize) {
        self.mails += 1;
        self.bytes += bytes;
    }

    /// Keeps `action` until the batch is committed.
    pub fn after_commit(&mut self, action: T) {
        self.pending.push(action);
    }

    /// The mails recorded since the last commit.
    pub fn mails(&self) -> usize {
        self.mails
    }

    /// Whether the batch should be committed now: by the number of its mails,
    /// their size, or the time the first of them has waited.
    pub fn is_full(&self) -> bool {
        self.mails >= BATCH_MAILS || self.bytes >= BATCH_BYTES || self.started.elapsed() >= BATCH_WAIT
    }

    /// Commits the mails recorded so far and hands back what is to be done about them now.
    pub fn commit(&mut self, store: &mut Store) -> Result<Vec<T>, NotCommitted<T>> {
        self.mails = 0;
        self.bytes = 0;
        let actions = std::mem::take(&mut self.pending);
        if self.open {
            self.open = false;
            if let Err(error) = store.commit_batch() {
                // A failed COMMIT may leave the transaction open; left so, the
                // next batch could not begin. The commit's error is the one to tell.
                let _ = store.rollback_batch();
                return Err(NotCommitted { error, actions });
            }
        }
        Ok(actions)
    }
}

/// A batch whose commit failed: none of its mails is kept, and none of its
/// actions is to be done.
#[derive(Debug)]
pub struct NotCommitted<T> {
    /// Why.
    pub error: StoreError,
    /// The actions of the mails that were not kept.
    pub actions: Vec<T>,
}
