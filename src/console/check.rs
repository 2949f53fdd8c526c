//! The public check page, `/check`: paste a form, see what the robot would
//! answer. The form goes through the same engine call as a mailed one
//! (`[policy]`, the registry's references) and the answer is the robot's
//! own text (`reply::verdict_only`, the renderer of dry-run replies and
//! rejections); nothing is written to the store, no ticket is opened.
//! Limited in size (`[console] check_max_bytes`) and in checks per client
//! address per minute (`checks_per_minute`).

use super::auth;
use super::pages::{csrf_field, layout, notice, Section};
use super::{client, html_page, with_form_cookie, Client};
use crate::http::{on_store, Service};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use formrobot_engine::check::check_text_under;
use formrobot_engine::date::Date;
use formrobot_engine::outcome::Status;
use formrobot_mail::reply;
use maud::{html, Markup};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// What the robot says of a form that would be accepted, on this page.
const IF_ACCEPTED: &str = "Mailed to the robot, it would be accepted for processing and you would get a ticket.";

/// The verdict on a form, as the page shows it.
struct Verdict {
    status: Status,
    errors: usize,
    warnings: usize,
    answer: String,
}

fn page(csrf: &str, form: &str, verdict: Option<&Verdict>, problem: Option<&str>, limit: usize) -> Markup {
    let body = html! {
        h1 { "Check a form before you send it" }
        p {
            "Paste a whole AS number request form (APNIC-038 templates or RIPE-228 objects, "
            "with or without the CUT HERE lines) and see every problem under its line, "
            "as the robot would answer it. Nothing is recorded and no ticket is opened."
        }
        @if let Some(problem) = problem { (notice("error", problem)) }
        @if let Some(verdict) = verdict {
            section #verdict aria-labelledby="verdict-title" {
                h2 #verdict-title {
                    @if verdict.status == Status::Accepted { "No errors" } @else { "The form has errors" }
                }
                p #summary class=(if verdict.status == Status::Accepted { "notice ok" } else { "notice error" }) role="status" {
                    (verdict.errors) " error(s), " (verdict.warnings) " warning(s). The robot's answer:"
                }
                pre.answer #answer {
                    @for line in verdict.answer.lines() {
                        @let class = if line.contains("^^^ ERROR") { "err" } else if line.contains("^^^ WARNING") { "warn" } else { "" };
                        span class=(class) { (line) } "\n"
                    }
                }
            }
        }
        form.stack #check method="post" action="/check" {
            (csrf_field(csrf))
            label for="form" { "The form (at most " (limit / 1024) " KiB)" }
            textarea #form name="form" rows="18" spellcheck="false" required { (form) }
            button type="submit" { "Check" }
        }
    };
    layout("Check a form", Section::Check, None, body)
}

/// `GET /check`: the empty form.
pub async fn show(State(service): State<Arc<Service>>, headers: HeaderMap) -> Response {
    let (token, new) = match auth::form_token(&headers) {
        Ok(token) => token,
        Err(error) => return super::failure(&error.to_string()),
    };
    let markup = page(&token, "", None, None, service.console.check_max_bytes);
    with_form_cookie(&service, html_page(StatusCode::OK, markup), &token, new)
}

/// The check page's form.
#[derive(Deserialize)]
pub struct CheckForm {
    csrf: Option<String>,
    form: Option<String>,
}

/// `POST /check`: the verdict on the pasted form.
pub async fn check(
    State(service): State<Arc<Service>>,
    Client(client_address): Client,
    headers: HeaderMap,
    Form(input): Form<CheckForm>,
) -> Response {
    let (token, new) = match auth::form_token(&headers) {
        Ok(token) => token,
        Err(error) => return super::failure(&error.to_string()),
    };
    let limit = service.console.check_max_bytes;
    let text = input.form.unwrap_or_default();
    let refuse = |status: StatusCode, why: &str| {
        let markup = page(&token, &text, None, Some(why), limit);
        with_form_cookie(&service, html_page(status, markup), &token, new)
    };
    let sent = input.csrf.unwrap_or_default();
    if new || !auth::same_token(&sent, &token) {
        return refuse(
            StatusCode::FORBIDDEN,
            "The page's security token was missing or out of date, so the form was not checked. Please check it again.",
        );
    }
    if text.len() > limit {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The form is {} bytes, more than the {limit} this page checks.", text.len()),
        );
    }
    let per_minute = service.console.checks_per_minute as usize;
    if !service.checks.take(&client(&client_address), Duration::from_secs(60), per_minute) {
        tracing::warn!(client = client_address, "check page: too many checks from one address");
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("This address checked {per_minute} forms in the last minute; please wait a minute."),
        );
    }
    let text_for_check = text.clone();
    let verdict = on_store(&service, move |store, service| {
        let today = Date::from_unix_seconds(service.now());
        let mut checked = check_text_under(&text_for_check, &service.forms, today, &service.settings.policy);
        checked.check_references(store).map_err(|e| e.to_string())?;
        Ok::<_, String>(Verdict {
            status: checked.status(),
            errors: checked.error_count(),
            warnings: checked.warning_count(),
            answer: reply::ascii(&reply::verdict_only(&checked, &text_for_check, IF_ACCEPTED)),
        })
    })
    .await
    .and_then(|verdict| verdict);
    match verdict {
        Ok(verdict) => {
            let markup = page(&token, &text, Some(&verdict), None, limit);
            with_form_cookie(&service, html_page(StatusCode::OK, markup), &token, new)
        }
        Err(why) => {
            tracing::error!(why, "check page: the form could not be checked");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "The form could not be checked just now; please try again.")
        }
    }
}
