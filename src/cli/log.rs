//! `formrobot log` and `formrobot show`: what operators read.

use super::Context;
use anyhow::{Context as _, Result};
use formrobot::operator::{self, TicketView};
use formrobot_engine::date::{format_timestamp, parse_since};
use formrobot_store::lifecycle::ROBOT;
use formrobot_store::query::{EventFilter, EventRow};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// How often `--follow` looks for new events.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(500);

/// Prints the log, and with `follow` keeps printing new events until interrupted.
pub fn run_log(
    context: &Context,
    ticket: Option<String>,
    since: Option<&str>,
    follow: bool,
    json: bool,
) -> Result<ExitCode> {
    let store = context.store_read_only()?;
    let since = since
        .map(|text| {
            parse_since(text, context.now())
                .with_context(|| format!("'{text}' is not a time: use YYYY-MM-DD[ HH:MM[:SS]] or an age such as 2h"))
        })
        .transpose()?;
    let mut filter = EventFilter { ticket, since, ..EventFilter::default() };
    let mut out = std::io::stdout().lock();
    loop {
        let events = store.events(&filter)?;
        for event in &events {
            if json {
                serde_json::to_writer(&mut out, event)?;
                writeln!(out)?;
            } else {
                writeln!(out, "{}", event_line(event))?;
            }
        }
        out.flush()?;
        if !follow {
            return Ok(ExitCode::SUCCESS);
        }
        if let Some(last) = events.last() {
            filter.after = Some(last.id);
        }
        std::thread::sleep(FOLLOW_INTERVAL);
    }
}

fn event_line(event: &EventRow) -> String {
    let ticket = event.ticket.as_deref().map(|t| format!(" [{t}]")).unwrap_or_default();
    let message = event.message.map(|m| format!(" #{m}")).unwrap_or_default();
    // The robot's own events say no name, as before; a person's change says who made it.
    let actor = if event.actor == ROBOT { String::new() } else { format!(" (by {})", event.actor) };
    format!(
        "{} {:<5}{ticket}{message} {}: {}{actor}",
        format_timestamp(event.at),
        event.level,
        event.kind,
        event.details
    )
}

/// Prints everything about one ticket.
pub fn run_show(context: &Context, ticket: &str, json: bool) -> Result<ExitCode> {
    let store = context.store_read_only()?;
    let view = operator::show(&store, ticket)?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &view)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", render_ticket(&view))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn render_ticket(view: &TicketView) -> String {
    let detail = &view.detail;
    let mut text = format!(
        "Ticket {} ({}, {})\nSender:  {}\nOpened:  {}\nUpdated: {}\n",
        detail.tag,
        detail.state,
        detail.dialect,
        detail.sender.as_deref().unwrap_or("unknown"),
        format_timestamp(detail.created_at),
        format_timestamp(detail.updated_at)
    );
    text.push_str("\nMails:\n");
    for message in &detail.messages {
        text.push_str(&format!(
            "  #{} {} {:<9} {} bytes from {} via {}, Message-ID {}, SHA-256 {}\n",
            message.id,
            format_timestamp(message.received_at),
            message.outcome,
            message.size,
            message.sender.as_deref().unwrap_or("unknown"),
            message.origin,
            message.message_id.as_deref().unwrap_or("-"),
            message.sha256
        ));
    }
    if !view.asns.is_empty() {
        text.push_str(&format!("AS numbers: {}\n", view.asns.join(", ")));
    }
    text.push_str("\nCorrespondence:\n");
    for mail in &view.mails {
        let arrow = if mail.direction == "in" { "from" } else { "to" };
        text.push_str(&format!(
            "\n  --- {} {} {} {}\n  Subject: {}\n\n",
            mail.direction,
            format_timestamp(mail.date),
            arrow,
            mail.address.as_deref().unwrap_or("unknown"),
            mail.subject
        ));
        for line in mail.body.lines() {
            text.push_str(&format!("    {line}\n"));
        }
    }
    text.push_str("\nHandles:\n");
    if detail.handles.is_empty() {
        text.push_str("  none\n");
    }
    for handle in &detail.handles {
        text.push_str(&format!(
            "  {:<14} {} (for {})\n",
            handle.handle,
            handle.name,
            handle.placeholder.as_deref().unwrap_or("-")
        ));
    }
    if !detail.attachments.is_empty() {
        text.push_str("\nAttachments (kept, not read):\n");
        for attachment in &detail.attachments {
            text.push_str(&format!(
                "  {} ({}, {} bytes) from mail #{}\n",
                attachment.filename.as_deref().unwrap_or("unnamed"),
                attachment.content_type,
                attachment.size,
                attachment.message
            ));
        }
    }
    text.push_str("\nObjects:\n");
    for object in &detail.objects {
        let shown = object.rewritten.as_deref().unwrap_or(&object.submitted);
        text.push('\n');
        for line in shown.lines() {
            text.push_str(&format!("  {line}\n"));
        }
    }
    text.push_str("\nEvents:\n");
    for event in &detail.events {
        text.push_str(&format!("  {}\n", event_line(event)));
    }
    text
}
