//! `formrobot import FILE...`: load existing registry objects from RPSL dumps.

use super::Context;
use anyhow::{Context as _, Result};
use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::Write as _;
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Imports each file in turn and prints what each one did.
pub fn run(context: &Context, files: &[PathBuf]) -> Result<ExitCode> {
    let mut store = context.store()?;
    for path in files {
        let started = Instant::now();
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let progress = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(size);
            if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(path.display().to_string());
            bar
        } else {
            ProgressBar::hidden()
        };
        let mut reader = BufReader::new(progress.wrap_read(file));
        let gzip = reader.fill_buf().is_ok_and(|head| head.starts_with(&GZIP_MAGIC));
        let reader: Box<dyn BufRead> =
            if gzip { Box::new(BufReader::new(MultiGzDecoder::new(reader))) } else { Box::new(reader) };
        let stats = store
            .import_dump(reader, &path.display().to_string(), context.now())
            .with_context(|| format!("importing {} failed", path.display()))?;
        progress.finish_and_clear();
        let seconds = started.elapsed().as_secs_f64();
        writeln!(
            std::io::stdout(),
            "{}: {} objects read, {} added, {} changed, {} unchanged, {} skipped in {seconds:.1} s ({:.0} objects/s)",
            path.display(),
            stats.read,
            stats.added,
            stats.changed,
            stats.unchanged,
            stats.skipped,
            stats.read as f64 / seconds.max(1e-9)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
