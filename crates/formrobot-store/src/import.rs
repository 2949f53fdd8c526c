//! Loading the registry's existing objects from RPSL dump files.
//!
//! Dumps are read as a stream, one object at a time, so their size does not
//! matter; objects are written in batches, each batch one transaction.
//! A line is read only up to [`MAX_LINE_BYTES`], so that no line, however
//! long, makes memory grow with it. Importing the same dump twice changes
//! nothing the second time.

use crate::record::log_event;
use crate::words::{EventKind, EventLevel};
use crate::{Store, StoreError};
use formrobot_engine::check::decode_bytes;
use formrobot_engine::extract::Line;
use formrobot_engine::parse::{parse_rpsl_object, Object};
use formrobot_engine::syntax;
use rusqlite::{params, Transaction, TransactionBehavior};
use std::io::{BufRead, Read};

/// Objects written per transaction: large enough to make commits cheap, small
/// enough that an interrupted import loses little.
const BATCH: usize = 10_000;

/// The longest line a dump may hold. RPSL lines are short (a few hundred
/// bytes; a long `certif:` line a few kilobytes): a longer one is no registry
/// object, and reading it whole would need memory in proportion to it.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Objects read from the dump.
    pub read: u64,
    /// Objects not seen before.
    pub added: u64,
    /// Objects whose text changed since the last import.
    pub changed: u64,
    /// Objects already known exactly as they are.
    pub unchanged: u64,
    /// Objects of classes the robot does not keep, or without a key.
    pub skipped: u64,
}

/// The classes kept, and the attribute that is each one's key.
fn key_attribute(class: &str) -> Option<&'static str> {
    match class {
        "person" | "role" => Some("nic-hdl"),
        "mntner" => Some("mntner"),
        "aut-num" => Some("aut-num"),
        _ => None,
    }
}

impl Store {
    /// Imports every object of an RPSL dump read from `reader`; `source` names it in the log.
    pub fn import_dump(&mut self, mut reader: impl BufRead, source: &str, now: i64) -> Result<ImportStats, StoreError> {
        let mut stats = ImportStats::default();
        let mut paragraph: Vec<String> = Vec::new();
        let mut first_line = 1usize;
        let mut line_number = 0usize;
        let mut buffer = Vec::new();
        let mut transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut in_batch = 0usize;
        loop {
            buffer.clear();
            let count = (&mut reader).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut buffer)?;
            line_number += 1;
            if buffer.len() > MAX_LINE_BYTES && !buffer.ends_with(b"\n") {
                // What ended before this object's paragraph is kept; importing again is harmless.
                transaction.commit()?;
                return Err(StoreError::LineTooLong {
                    file: source.to_owned(),
                    line: line_number,
                    limit: MAX_LINE_BYTES,
                });
            }
            let at_end = count == 0;
            let text = decode_bytes(&buffer);
            let text = text.trim_end_matches(['\n', '\r']);
            if at_end || text.is_empty() {
                if !paragraph.is_empty() {
                    store_object(&transaction, &paragraph, first_line, now, &mut stats)?;
                    paragraph.clear();
                    in_batch += 1;
                    if in_batch == BATCH {
                        transaction.commit()?;
                        transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
                        in_batch = 0;
                    }
                }
                if at_end {
                    break;
                }
                first_line = line_number + 1;
            } else {
                paragraph.push(text.to_owned());
            }
        }
        log_event(
            &transaction,
            now,
            EventLevel::Info,
            None,
            None,
            EventKind::Import,
            &format!(
                "{source}: {} objects read, {} added, {} changed, {} unchanged, {} skipped",
                stats.read, stats.added, stats.changed, stats.unchanged, stats.skipped
            ),
        )?;
        transaction.commit()?;
        Ok(stats)
    }
}

impl Store {
    /// Writes the registry (imported and registered objects) as an RPSL dump:
    /// one object per paragraph, in class and key order, each as `shown`
    /// gives it. What `import_dump` reads back into the same registry.
    /// Returns how many objects were written.
    pub fn export_dump(&self, out: &mut dyn std::io::Write, shown: &dyn Fn(&str) -> String) -> Result<u64, StoreError> {
        let mut statement = self.connection.prepare("SELECT text FROM registry_objects ORDER BY class, key")?;
        let mut rows = statement.query([])?;
        let mut written = 0;
        while let Some(row) = rows.next()? {
            let text: String = row.get(0)?;
            let text = shown(&text);
            writeln!(out, "{}\n", text.trim_end())?;
            written += 1;
        }
        out.flush()?;
        Ok(written)
    }
}

fn store_object(
    tx: &Transaction<'_>,
    paragraph: &[String],
    first_line: usize,
    now: i64,
    stats: &mut ImportStats,
) -> Result<(), StoreError> {
    let lines: Vec<Line<'_>> =
        paragraph.iter().enumerate().map(|(i, text)| Line { number: first_line + i, text }).collect();
    let Some(object) = parse_rpsl_object(&lines) else {
        // A comment block between objects, such as a dump's header.
        return Ok(());
    };
    stats.read += 1;
    let Some((class, key, name)) = identify(&object) else {
        stats.skipped += 1;
        return Ok(());
    };
    let text = paragraph.join("\n");
    let mut insert = tx.prepare_cached(
        "INSERT INTO registry_objects (class, key, name, text, imported_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (class, key) DO NOTHING",
    )?;
    if insert.execute(params![class, key, name, text, now])? == 1 {
        stats.added += 1;
    } else {
        let mut update = tx.prepare_cached(
            "UPDATE registry_objects SET name = ?3, text = ?4, imported_at = ?5
             WHERE class = ?1 AND key = ?2 AND text != ?4",
        )?;
        if update.execute(params![class, key, name, text, now])? == 1 {
            stats.changed += 1;
        } else {
            stats.unchanged += 1;
        }
    }
    if let (Some(name), Some(handle)) = (&name, syntax::parse_handle(&key)) {
        let mut claim = tx.prepare_cached(
            "INSERT INTO nic_handles (handle, initials, number, suffix, name, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (handle) DO UPDATE SET name = excluded.name WHERE ticket_id IS NULL
             ON CONFLICT DO NOTHING",
        )?;
        claim.execute(params![key, handle.initials.as_str(), handle.number, handle.suffix.as_str(), name, now])?;
    }
    Ok(())
}

/// The class, key and name of an object written as RPSL text, if the registry keeps its class.
pub(crate) fn identify_text(text: &str) -> Option<(String, String, Option<String>)> {
    let lines: Vec<Line<'_>> = text.lines().enumerate().map(|(i, text)| Line { number: i + 1, text }).collect();
    identify(&parse_rpsl_object(&lines)?)
}

/// The class, key (upper case) and, for persons and roles, the name of an object worth keeping.
fn identify(object: &Object) -> Option<(String, String, Option<String>)> {
    let formrobot_engine::parse::ObjectKind::Rpsl { class } = &object.kind else { return None };
    let key_attribute = key_attribute(class)?;
    let key = object.first(key_attribute)?.joined().text().to_ascii_uppercase();
    if key.is_empty() {
        return None;
    }
    let name = matches!(class.as_str(), "person" | "role")
        .then(|| object.first(class).map(|a| a.joined().text().to_owned()))
        .flatten();
    Some((class.to_string(), key, name))
}
