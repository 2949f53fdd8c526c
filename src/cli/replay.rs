//! `formrobot replay PATH...`: many mails through the pipeline, replies written as files.

use super::Context;
use anyhow::{Context as _, Result};
use formrobot::mailbox::MailReader;
use formrobot::pipeline::{process_mail, Origin, Settings};
use formrobot_engine::outcome::Status;
use formrobot_store::record::Commit;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashSet;
use std::io::IsTerminal;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// How many mails ended each way.
#[derive(Debug, Default)]
struct Tally {
    accepted: usize,
    rejected: usize,
    ignored: usize,
    help: usize,
    unreadable: usize,
}

/// Replays every mail found under `paths`, writing replies into `outbox`.
pub fn run(context: &Context, paths: &[PathBuf], outbox: &Path, dry_run: bool) -> Result<ExitCode> {
    let forms = context.forms()?;
    let settings = Settings::from_config(&context.config);
    let (mut store, commit) =
        if dry_run { (context.store_for_dry_run()?, Commit::DryRun) } else { (context.store()?, Commit::Yes) };
    std::fs::create_dir_all(outbox).with_context(|| format!("cannot create the outbox {}", outbox.display()))?;

    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} mails replayed ({per_sec}) {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut written: HashSet<PathBuf> = HashSet::new();
    let mut replies = 0usize;
    for item in MailReader::new(paths) {
        let mail = match item {
            Ok(mail) => mail,
            Err(error) => {
                progress.suspend(|| eprintln!("formrobot: skipped: {error}"));
                tally.unreadable += 1;
                continue;
            }
        };
        let origin = Origin::Replay(&mail.label);
        let processed = process_mail(&mut store, &forms, &settings, &mail.bytes, &origin, context.now(), commit)
            .with_context(|| format!("processing {} failed", mail.label))?;
        match processed.outcome.status {
            Status::Accepted => tally.accepted += 1,
            Status::Rejected => tally.rejected += 1,
            Status::Ignored => tally.ignored += 1,
            Status::Help => tally.help += 1,
        }
        if let Some(reply) = &processed.reply {
            let path = reply_path(outbox, &mail.label, &mut written);
            std::fs::write(&path, &reply.message).with_context(|| format!("cannot write {}", path.display()))?;
            replies += 1;
        }
        progress.inc(1);
    }
    progress.finish_and_clear();

    let seconds = started.elapsed().as_secs_f64();
    let total = tally.accepted + tally.rejected + tally.ignored + tally.help;
    writeln!(
        std::io::stdout(),
        "replayed {total} mails in {seconds:.2} s ({:.0} mails/s): {} accepted, {} rejected, {} ignored, {} help{}",
        total as f64 / seconds.max(1e-9),
        tally.accepted,
        tally.rejected,
        tally.ignored,
        tally.help,
        if tally.unreadable > 0 { format!(", {} unreadable", tally.unreadable) } else { String::new() }
    )?;
    writeln!(std::io::stdout(), "{replies} replies written to {}", outbox.display())?;
    if let Some(kib) = peak_memory_kib() {
        writeln!(std::io::stdout(), "peak memory (RSS): {:.1} MiB", kib as f64 / 1024.0)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The process's peak resident set size, where the system tells it (Linux).
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `outbox/NAME.eml` for a mail labelled `.../NAME.eml` (`NAME-3.eml` for the third of an mbox),
/// with a counter when two mails would share a name.
fn reply_path(outbox: &Path, label: &str, written: &mut HashSet<PathBuf>) -> PathBuf {
    let (file, index) = match label.rsplit_once('#') {
        Some((file, index)) if index.chars().all(|c| c.is_ascii_digit()) => (file, Some(index)),
        _ => (label, None),
    };
    let name = Path::new(file).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "mail".into());
    let mut stem: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    if let Some(index) = index {
        stem.push_str(&format!("-{index}"));
    }
    let mut path = outbox.join(format!("{stem}.eml"));
    let mut counter = 2;
    while !written.insert(path.clone()) {
        path = outbox.join(format!("{stem}-{counter}.eml"));
        counter += 1;
    }
    path
}
