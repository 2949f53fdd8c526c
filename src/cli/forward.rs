//! `formrobot show TICKET --request-json` and `formrobot forward TICKET`:
//! a sponsoring LIR passes a request it took on to its registry's API.

use super::Context;
use anyhow::{Context as _, Result};
use formrobot::operator::{self, ForwardOutcome, OperatorError};
use formrobot::upstream::{Answer, Upstream};
use formrobot_api::objects::Defaults;
use formrobot_api::RequestType;
use std::io::Write as _;
use std::process::ExitCode;

/// What a mailed form does not ask, from `[upstream_api]` (or the defaults).
fn defaults(context: &Context) -> Defaults {
    let upstream = context.config.upstream_api.as_ref();
    Defaults {
        country: upstream.and_then(|u| u.country.clone()),
        address_prefix: upstream.map_or_else(|| "24".to_owned(), |u| u.address_prefix.clone()),
    }
}

/// Prints the ticket's request as the API's payload.
pub fn run_request_json(context: &Context, ticket: &str) -> Result<ExitCode> {
    let store = context.store_read_only()?;
    match operator::request_payload(&store, ticket, &defaults(context)) {
        Ok(payload) => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &payload)?;
            writeln!(out)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => refused(&error),
    }
}

fn refused(error: &OperatorError) -> Result<ExitCode> {
    if error.is_refusal() {
        eprintln!("formrobot: {error}");
        Ok(ExitCode::from(1))
    } else {
        Err(anyhow::anyhow!("{error}"))
    }
}

/// POSTs the ticket's request to `[upstream_api] url` and records the answer.
pub fn run(context: &Context, ticket: &str, operator_name: &str, json: bool) -> Result<ExitCode> {
    let Some(config) = &context.config.upstream_api else {
        eprintln!("formrobot: error: forwarding needs an [upstream_api] section (url, key_env) in the configuration");
        return Ok(ExitCode::from(2));
    };
    let upstream = Upstream::new(config)?;
    let mut store = context.store()?;
    let checked = operator::check_forwardable(&mut store, ticket, operator_name, context.now())
        .and_then(|()| operator::request_payload(&store, ticket, &defaults(context)));
    let (kind, payload) = match checked {
        Ok(payload) => {
            let kind =
                payload["requestType"].as_str().and_then(RequestType::from_name).unwrap_or(RequestType::AsnAssignment);
            (kind, serde_json::to_vec(&payload)?)
        }
        Err(error) => return refused(&error),
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    let outcome = match runtime.block_on(upstream.post(kind, &payload)) {
        Ok(Answer::Taken { status, body }) => ForwardOutcome::Taken(status, body),
        Ok(Answer::Refused { status, errors, body }) => ForwardOutcome::Refused(status, errors, body),
        Err(unreachable) => ForwardOutcome::Unreachable(unreachable.to_string()),
    };
    let state = match operator::record_forward(&mut store, ticket, operator_name, &outcome, context.now()) {
        Ok(state) => state,
        Err(error) => return refused(&error),
    };
    let mut out = std::io::stdout().lock();
    let (code, said) = match &outcome {
        ForwardOutcome::Taken(status, body) => {
            (ExitCode::SUCCESS, serde_json::json!({"result": "taken", "http_status": status, "answer": body}))
        }
        ForwardOutcome::Refused(status, errors, body) => (
            ExitCode::from(1),
            serde_json::json!({"result": "refused", "http_status": status, "errors": errors, "answer": body}),
        ),
        ForwardOutcome::Unreachable(why) => {
            (ExitCode::from(75), serde_json::json!({"result": "unreachable", "error": why}))
        }
    };
    if json {
        let mut report = said;
        report["ticket"] = serde_json::json!(formrobot_store::lifecycle::normalise_tag(ticket));
        report["state"] = serde_json::json!(state);
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        return Ok(code);
    }
    let tag = formrobot_store::lifecycle::normalise_tag(ticket);
    match &outcome {
        ForwardOutcome::Taken(status, _) => {
            writeln!(out, "{tag}: the upstream took the request (HTTP {status}); the ticket is {state}")?
        }
        ForwardOutcome::Refused(status, errors, body) => {
            writeln!(out, "{tag}: the upstream refused the request (HTTP {status}); the ticket stays {state}")?;
            for error in errors {
                writeln!(out, "  {}: {}", error.path, error.msg)?;
            }
            if errors.is_empty() {
                writeln!(out, "  {}", formrobot::upstream::shortened(body))?;
            }
        }
        ForwardOutcome::Unreachable(why) => {
            writeln!(out, "{tag}: {why}; the ticket stays {state}, run forward again later")?
        }
    }
    Ok(code)
}
