//! `formrobot queue`, `ask`, `approve` and `decline`: the command-line front
//! end of the operators' actions in `formrobot::operator`.

use super::Context;
use anyhow::Result;
use formrobot::console::pages::age;
use formrobot::operator::{self, ActionReport, Approval, OperatorError};
use formrobot::pipeline::Settings;
use formrobot_engine::date::format_timestamp;
use formrobot_engine::register::read_asn;
use formrobot_store::TicketState;
use std::io::Write;
use std::process::ExitCode;

/// What an operator asked for.
#[derive(Debug, Clone)]
pub enum Action {
    /// `ask TICKET --message TEXT`.
    Ask {
        /// The ticket.
        ticket: String,
        /// The question.
        message: String,
    },
    /// `approve TICKET [--asn ASN] [--note TEXT]`.
    Approve {
        /// The ticket.
        ticket: String,
        /// The AS number to assign instead of the lowest free one.
        asn: Option<String>,
        /// A note to the requester.
        note: Option<String>,
    },
    /// `decline TICKET --reason TEXT`.
    Decline {
        /// The ticket.
        ticket: String,
        /// Why.
        reason: String,
    },
}

/// The operator's name: `--operator`, else the environment's user.
pub fn operator_name(given: Option<String>) -> String {
    given
        .filter(|name| !name.trim().is_empty())
        .or_else(|| std::env::var("USER").ok().filter(|name| !name.is_empty()))
        .or_else(|| std::env::var("LOGNAME").ok().filter(|name| !name.is_empty()))
        .unwrap_or_else(|| "unknown operator".to_owned())
}

/// Prints the open tickets (or those in `state`), oldest first.
pub fn run_queue(context: &Context, state: Option<&str>, json: bool) -> Result<ExitCode> {
    let state = match state.map(str::parse::<TicketState>).transpose() {
        Ok(state) => state,
        Err(error) => {
            let words: Vec<&str> = TicketState::ALL.iter().map(|s| s.as_str()).collect();
            eprintln!("formrobot: error: {error}; the states are {}", words.join(", "));
            return Ok(ExitCode::from(2));
        }
    };
    let store = context.store_read_only()?;
    let rows = operator::queue(&store, state, None)?;
    let now = context.now();
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        writeln!(out, "No tickets.")?;
    }
    for row in &rows {
        writeln!(
            out,
            "{}  {:<21}  {:>6} old  {}  {}  {} neighbour(s)  last activity {}",
            row.ticket,
            row.state,
            age(now - row.created_at),
            row.requester.as_deref().unwrap_or("unknown"),
            row.as_name.as_deref().unwrap_or("-"),
            row.neighbours.map_or_else(|| "-".to_owned(), |n| n.to_string()),
            format_timestamp(row.last_activity)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs one operator action; a refusal (unknown ticket, wrong state, no free
/// number, bad arguments) is exit 1 with nothing changed.
pub fn run_action(context: &Context, action: Action, operator: &str, json: bool) -> Result<ExitCode> {
    let settings = Settings::from_config(&context.config);
    let now = context.now();
    let mut store = context.store()?;
    let result = match &action {
        Action::Ask { ticket, message } => operator::ask(&mut store, &settings, ticket, operator, message, now),
        Action::Decline { ticket, reason } => operator::decline(&mut store, &settings, ticket, operator, reason, now),
        Action::Approve { ticket, asn, note } => {
            let asn = match asn.as_deref().map(|text| read_asn(text).ok_or(text)).transpose() {
                Ok(asn) => asn,
                Err(text) => {
                    eprintln!(
                        "formrobot: error: '{text}' is not an AS number (write it as AS64496); nothing was changed"
                    );
                    return Ok(ExitCode::FAILURE);
                }
            };
            let approval = Approval { asn, note: note.as_deref() };
            operator::approve(&mut store, &settings, &context.config.registry, ticket, operator, approval, now)
        }
    };
    match result {
        Ok(report) => {
            if let Some(smtp) = &context.config.smtp {
                super::send_queued(smtp, store);
            }
            print_report(&report, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(error) if error.is_refusal() => {
            refused(&error, json)?;
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error.into()),
    }
}

fn print_report(report: &ActionReport, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{}: now {}", report.ticket, report.state)?;
    if !report.asns.is_empty() {
        writeln!(out, "AS number(s) assigned: {}", report.asns.join(", "))?;
    }
    if !report.handles_released.is_empty() {
        writeln!(out, "Handles released: {}", report.handles_released.join(", "))?;
    }
    if let Some(mail) = &report.mail {
        writeln!(out, "Mail queued to {}: {}", mail.to, mail.subject)?;
    }
    Ok(())
}

fn refused(error: &OperatorError, json: bool) -> Result<()> {
    if json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "error": error.to_string() }))?;
        writeln!(out)?;
    }
    eprintln!("formrobot: error: {error}; nothing was changed");
    Ok(())
}
