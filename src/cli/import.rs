//! `formrobot import FILE...`: load existing registry objects from RPSL dumps;
//! `formrobot export`: write the registry as one.

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

/// Writes the registry as an RPSL dump to `out` (a file, written whole under
/// a temporary name and then renamed into place) or standard output.
pub fn run_export(context: &Context, out: Option<&std::path::Path>, public: bool) -> Result<ExitCode> {
    let store = context.store_read_only()?;
    let Some(path) = out else {
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        formrobot::operator::export(&store, &mut stdout, public)?;
        return Ok(ExitCode::SUCCESS);
    };
    // Written whole under a temporary name next to it, then renamed: a reader never sees half a dump.
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp-{}", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let written = (|| -> Result<u64> {
        let file = File::create(&temporary).with_context(|| format!("cannot write {}", temporary.display()))?;
        let mut writer = std::io::BufWriter::new(&file);
        let written = formrobot::operator::export(&store, &mut writer, public)?;
        drop(writer);
        file.sync_all()?;
        std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(written)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    eprintln!("{} objects written to {}", written?, path.display());
    Ok(ExitCode::SUCCESS)
}
