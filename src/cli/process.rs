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
        Err(error) => {
            eprintln!("formrobot: the mail was not processed and should be delivered again later: {error:#}");
            ExitCode::from(EX_TEMPFAIL)
        }
    }
}

/// Sends what the outbox holds through `[smtp]`. The mail is already recorded,
/// so a failure here only leaves the reply queued for the daemon: it is
/// reported, not returned, and the MTA does not deliver the mail again.
fn send_queued(smtp: &formrobot::config::SmtpConfig, store: formrobot_store::Store) {
    let sent = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string()).and_then(
        |runtime| {
            runtime.block_on(async {
                let wake = std::sync::Arc::new(tokio::sync::Notify::new());
                let mut sender = formrobot::daemon::smtp::Sender::new(smtp, store, wake).map_err(|e| e.to_string())?;
                let (_stop, shutdown) = tokio::sync::watch::channel(false);
                sender.send_due(&shutdown).await.map_err(|e| e.to_string())
            })
        },
    );
    if let Err(error) = sent {
        eprintln!("formrobot: the reply is queued but could not be sent now: {error}");
    }
}

fn process(context: &Context, dry_run: bool, json: bool) -> Result<()> {
    let mut raw = Vec::new();
    std::io::stdin().read_to_end(&mut raw).context("cannot read the mail from standard input")?;
    let forms = context.forms()?;
    let settings = Settings::from_config(&context.config);
    let (mut store, commit) =
        if dry_run { (context.store_for_dry_run()?, Commit::DryRun) } else { (context.store()?, Commit::Yes) };
    let processed = process_mail(&mut store, &forms, &settings, &raw, &Origin::Process, context.now(), commit)?;
    if let (Some(smtp), Commit::Yes) = (&context.config.smtp, commit) {
        send_queued(smtp, store);
    }

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
    Ok(())
}
