//! `formrobot process`: one mail on standard input, the way an MTA pipes it.

use super::Context;
use anyhow::{Context as _, Result};
use formrobot::pipeline::{process_mail, Origin, Settings};
use formrobot_store::record::Commit;
use std::io::{Read, Write};
use std::process::ExitCode;

/// sysexits.h EX_TEMPFAIL: the MTA keeps the mail and tries again later.
const EX_TEMPFAIL: u8 = 75;

/// Processes the mail; any failure is temporary for the MTA, so nothing is lost.
pub fn run(context: &Context, dry_run: bool, json: bool) -> ExitCode {
    match process(context, dry_run, json) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Unprocessed(error)) => {
            eprintln!("formrobot: the mail was not processed and should be delivered again later: {error:#}");
            ExitCode::from(EX_TEMPFAIL)
        }
        // The mail is recorded: delivering it again would only make a duplicate.
        Err(Failure::Unprinted(error)) => {
            eprintln!("formrobot: the mail is recorded, but its outcome could not be printed: {error:#}");
            ExitCode::SUCCESS
        }
    }
}

/// A configuration that cannot be read, for `process`: exit 75 with a clear
/// line, so that the MTA keeps the mail rather than bouncing it.
pub fn unreadable_configuration(error: &anyhow::Error) -> ExitCode {
    eprintln!(
        "formrobot: the configuration cannot be read, so the mail was not processed and should be delivered again later: {error:#}"
    );
    ExitCode::from(EX_TEMPFAIL)
}

/// Why `process` did not end well.
enum Failure {
    /// Before the commit: the MTA should deliver the mail again.
    Unprocessed(anyhow::Error),
    /// After the commit: only the report on standard output failed.
    Unprinted(anyhow::Error),
}

fn process(context: &Context, dry_run: bool, json: bool) -> Result<(), Failure> {
    let mut raw = Vec::new();
    std::io::stdin()
        .read_to_end(&mut raw)
        .context("cannot read the mail from standard input")
        .map_err(Failure::Unprocessed)?;
    let forms = context.forms().map_err(Failure::Unprocessed)?;
    let settings = Settings::from_config(&context.config);
    let (mut store, commit) = if dry_run {
        (context.store_for_dry_run().map_err(Failure::Unprocessed)?, Commit::DryRun)
    } else {
        (context.store().map_err(Failure::Unprocessed)?, Commit::Yes)
    };
    // A connection per mail: copying and deleting the log at each close cost
    // three of the five fsyncs of a run; once every few mails is enough.
    store.keep_a_short_log_on_close().map_err(|e| Failure::Unprocessed(e.into()))?;
    let processed = process_mail(&mut store, &forms, &settings, raw, &Origin::Process, context.now(), commit)
        .map_err(|e| Failure::Unprocessed(e.into()))?;
    if let (Some(smtp), Commit::Yes) = (&context.config.smtp, commit) {
        super::send_queued(smtp, store);
    }
    report(&processed, json).map_err(|error| match commit {
        Commit::Yes => Failure::Unprinted(error),
        Commit::DryRun => Failure::Unprocessed(error),
    })
}

/// The outcome on standard output.
fn report(processed: &formrobot::pipeline::Processed, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &processed.outcome)?;
        writeln!(out)?;
    } else {
        let status = serde_json::to_value(processed.outcome.status)?;
        let ticket = processed.outcome.ticket.as_deref().map(|t| format!(" [{t}]")).unwrap_or_default();
        let reply = match &processed.reply {
            Some(reply) => format!("; reply queued to {}", reply.to),
            None => "; no reply".to_owned(),
        };
        writeln!(out, "{}{ticket}{reply}", status.as_str().unwrap_or("processed"))?;
    }
    out.flush()?;
    Ok(())
}
