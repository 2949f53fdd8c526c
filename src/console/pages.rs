//! The console's pages as HTML (maud: the markup is Rust, every value is
//! escaped unless written `PreEscaped`). Handlers gather the data; these
//! functions only lay it out.

use crate::operator::{AnnotatedForm, TicketView};
use formrobot_engine::date::format_timestamp;
use formrobot_engine::diagnostic::{Diagnostic, Severity};
use formrobot_engine::outcome::Status;
use formrobot_store::query::EventRow;
use formrobot_store::review::QueueRow;
use formrobot_store::{EventLevel, TicketState};
use maud::{html, Markup, DOCTYPE};

/// Who is looking at a page: the logged-in operator and the token their forms carry.
pub struct Viewer<'a> {
    /// The operator's name.
    pub operator: &'a str,
    /// The session's CSRF token.
    pub csrf: &'a str,
}

/// Which part of the console a page belongs to, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The queue and tickets.
    Queue,
    /// The processing log.
    Log,
    /// The overview.
    Overview,
    /// The public check page.
    Check,
    /// The login page.
    Login,
}

/// A whole page: head, navigation (for a logged-in operator), `main`.
pub fn layout(title: &str, section: Section, viewer: Option<&Viewer<'_>>, body: Markup) -> Markup {
    let link = |href: &str, label: &str, this: Section| {
        html! { a href=(href) aria-current=[(section == this).then_some("page")] { (label) } }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - formrobot" }
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to the content" }
                header.top {
                    span.brand { "formrobot" }
                    nav aria-label="Main" {
                        @if let Some(viewer) = viewer {
                            (link("/console/", "Queue", Section::Queue))
                            (link("/console/log", "Log", Section::Log))
                            (link("/console/overview", "Overview", Section::Overview))
                            (link("/check", "Check a form", Section::Check))
                            form.logout method="post" action="/console/logout" {
                                (csrf_field(viewer.csrf))
                                span.who { (viewer.operator) }
                                button type="submit" { "Log out" }
                            }
                        } @else {
                            (link("/check", "Check a form", Section::Check))
                            (link("/console/login", "Operators' login", Section::Login))
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
            }
        }
    }
}

/// The hidden field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A message box: `alert` for what went wrong, `status` for what was done.
pub fn notice(kind: &str, text: &str) -> Markup {
    html! { p class={"notice " (kind)} role=(if kind == "error" { "alert" } else { "status" }) { (text) } }
}

/// The login page.
pub fn login(csrf: &str, name: &str, problem: Option<&str>) -> Markup {
    let body = html! {
        h1 { "Operators' login" }
        @if let Some(problem) = problem { (notice("error", problem)) }
        form.stack method="post" action="/console/login" {
            (csrf_field(csrf))
            label for="name" { "Name" }
            input #name type="text" name="name" value=(name) autocomplete="username" required autofocus;
            label for="password" { "Password" }
            input #password type="password" name="password" autocomplete="current-password" required;
            button type="submit" { "Log in" }
        }
    };
    layout("Login", Section::Login, None, body)
}

/// A page that only says something (a refusal, a missing ticket).
pub fn message(title: &str, text: &str, viewer: Option<&Viewer<'_>>) -> Markup {
    layout(title, Section::Queue, viewer, html! { h1 { (title) } (notice("error", text)) })
}

/// `seconds` as the largest whole unit: `45s`, `12m`, `5h`, `3d`.
pub fn age(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

fn state_badge(state: TicketState) -> Markup {
    html! { span class={"state s-" (state)} { (state) } }
}

/// What the queue page shows and was asked for.
pub struct QueuePage<'a> {
    /// The tickets.
    pub rows: &'a [QueueRow],
    /// The state asked for; `None`: every open ticket.
    pub state: Option<TicketState>,
    /// The search text.
    pub search: &'a str,
    /// Now, for the ages.
    pub now: i64,
}

/// The queue: open tickets oldest first, with filters.
pub fn queue(viewer: &Viewer<'_>, page: &QueuePage<'_>) -> Markup {
    let body = html! {
        h1 { "Queue" }
        form.filters method="get" action="/console/" role="search" {
            label for="state" { "State" }
            select #state name="state" {
                option value="" selected[page.state.is_none()] { "every open ticket" }
                @for state in TicketState::ALL {
                    option value=(state) selected[page.state == Some(*state)] { (state) }
                }
            }
            label for="q" { "Ticket, address, as-name or handle" }
            input #q type="search" name="q" value=(page.search);
            button type="submit" { "Show" }
        }
        p.count { (page.rows.len()) " ticket(s), oldest first." }
        @if !page.rows.is_empty() {
            table.cards #queue {
                thead { tr { th { "Ticket" } th { "State" } th { "Age" } th { "Requester" } th { "AS name" } th { "Neighbours" } th { "Last activity" } } }
                tbody {
                    @for row in page.rows {
                        tr {
                            td data-label="Ticket" { a href={"/console/tickets/" (row.ticket)} { (row.ticket) } }
                            td data-label="State" { (state_badge(row.state)) }
                            td data-label="Age" { (age(page.now - row.created_at)) }
                            td data-label="Requester" { (row.requester.as_deref().unwrap_or("unknown")) }
                            td data-label="AS name" { (row.as_name.as_deref().unwrap_or("-")) }
                            td data-label="Neighbours" { (row.neighbours.map_or_else(|| "-".to_owned(), |n| n.to_string())) }
                            td data-label="Last activity" { (format_timestamp(row.last_activity)) }
                        }
                    }
                }
            }
        }
    };
    layout("Queue", Section::Queue, Some(viewer), body)
}

fn severity(diagnostic: &Diagnostic) -> &'static str {
    match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn problem(diagnostic: &Diagnostic) -> Markup {
    html! {
        div class={"problem " (severity(diagnostic))} {
            strong { (severity(diagnostic)) }
            @if let Some(attribute) = &diagnostic.attribute { " in " code { (attribute) } }
            ": " (diagnostic.message)
            @if let Some(help) = &diagnostic.help { div.help { "Help: " (help) } }
        }
    }
}

/// A form with each problem under its line, as the replies show it.
pub fn annotated(form: &AnnotatedForm) -> Markup {
    html! {
        @if !form.general.is_empty() {
            h3 { "Problems with the form as a whole" }
            @for diagnostic in &form.general { (problem(diagnostic)) }
        }
        ol.form-lines aria-label="The form, line by line" {
            @for line in &form.lines {
                li class=[(!line.problems.is_empty()).then_some("has-problem")] {
                    span.number { (line.number) }
                    code.text { (line.text) }
                    @for diagnostic in &line.problems { (problem(diagnostic)) }
                }
            }
        }
        @if form.not_shown.0 > 0 {
            p { (form.not_shown.0) " more line(s) not shown, with " (form.not_shown.1) " problem(s)." }
        }
    }
}

/// What the ticket page shows besides the ticket.
pub struct TicketPage<'a> {
    /// The ticket with its correspondence.
    pub view: &'a TicketView,
    /// Its latest request as received, checked again.
    pub received: Option<&'a crate::operator::ReceivedRequest>,
    /// What was just done, or why it was refused.
    pub notice: Option<(&'a str, String)>,
    /// The values of the action forms, when an action was refused (to edit, not retype).
    pub entered: &'a Entered,
}

/// What an operator typed into the action forms.
#[derive(Debug, Clone, Default)]
pub struct Entered {
    /// The AS number asked for.
    pub asn: String,
    /// The note to the requester.
    pub note: String,
    /// The reason for declining.
    pub reason: String,
    /// The question.
    pub message: String,
}

fn actions(viewer: &Viewer<'_>, tag: &str, state: TicketState, entered: &Entered) -> Markup {
    let reviewable = matches!(state, TicketState::PendingReview | TicketState::WaitingForRequester);
    let declinable = reviewable || state == TicketState::Rejected;
    html! {
        @if reviewable || declinable {
            section.actions aria-labelledby="actions" {
                h2 #actions { "Decision" }
                div.action-forms {
                    @if reviewable {
                        form.stack #approve method="post" action={"/console/tickets/" (tag) "/approve"} {
                            h3 { "Approve" }
                            (csrf_field(viewer.csrf))
                            label for="asn" { "AS number (empty: the lowest free one)" }
                            input #asn type="text" name="asn" value=(entered.asn) placeholder="AS64496" inputmode="text";
                            label for="note" { "Note to the requester (optional)" }
                            textarea #note name="note" rows="2" { (entered.note) }
                            button type="submit" { "Approve" }
                        }
                    }
                    @if declinable {
                        form.stack #decline method="post" action={"/console/tickets/" (tag) "/decline"} {
                            h3 { "Decline" }
                            (csrf_field(viewer.csrf))
                            label for="reason" { "Reason (mailed to the requester)" }
                            textarea #reason name="reason" rows="2" required { (entered.reason) }
                            button.danger type="submit" { "Decline" }
                        }
                    }
                    @if reviewable {
                        form.stack #ask method="post" action={"/console/tickets/" (tag) "/ask"} {
                            h3 { "Ask the requester" }
                            (csrf_field(viewer.csrf))
                            label for="message" { "Question" }
                            textarea #message name="message" rows="2" required { (entered.message) }
                            button type="submit" { "Send the question" }
                        }
                    }
                }
            }
        }
    }
}

/// One ticket: its state, the decision's forms, the request as received with
/// its problems, the objects, handles, correspondence and events.
pub fn ticket(viewer: &Viewer<'_>, page: &TicketPage<'_>) -> Markup {
    let view = page.view;
    let detail = &view.detail;
    let body = html! {
        p.back { a href="/console/" { "Back to the queue" } }
        h1 { "Ticket " (detail.tag) }
        @if let Some((kind, text)) = &page.notice { (notice(kind, text)) }
        dl.facts #facts {
            dt { "State" } dd #state { (state_badge(detail.state)) }
            dt { "AS numbers" } dd #asns { @if view.asns.is_empty() { "none yet" } @else { (view.asns.join(", ")) } }
            dt { "Requester" } dd { (detail.sender.as_deref().unwrap_or("unknown")) }
            dt { "Form" } dd { (detail.dialect) }
            dt { "Opened" } dd { (format_timestamp(detail.created_at)) }
            dt { "Last change" } dd { (format_timestamp(detail.updated_at)) }
        }
        (actions(viewer, &detail.tag, detail.state, page.entered))
        section aria-labelledby="received" {
            h2 #received { "The request as received" }
            @match page.received {
                None => p { "No request is recorded on this ticket." },
                Some(received) => {
                    p.meta { "Received " (format_timestamp(received.at)) " from " (received.from.as_deref().unwrap_or("unknown")) "; checked again now, as the robot checks it." }
                    @if let Some(form) = &received.form {
                        p { @if form.status == Status::Accepted { "No errors." } @else { "This form has errors; each is under its line." } }
                        (annotated(form))
                    }
                    @if let Some(body) = &received.api_body { pre.mail { (body) } }
                }
            }
        }
        section aria-labelledby="objects" {
            h2 #objects { "Objects" }
            p.meta { "With the NIC handles assigned; approval fills in the AS number, the source and what the form leaves to the registry." }
            @for object in &detail.objects {
                pre.object { (object.rewritten.as_deref().unwrap_or(&object.submitted)) }
            }
        }
        @if !detail.handles.is_empty() {
            section aria-labelledby="handles" {
                h2 #handles { "Handles" }
                table.cards {
                    thead { tr { th { "Handle" } th { "Name" } th { "Written as" } } }
                    tbody { @for handle in &detail.handles { tr {
                        td data-label="Handle" { code { (handle.handle) } }
                        td data-label="Name" { (handle.name) }
                        td data-label="Written as" { (handle.placeholder.as_deref().unwrap_or("-")) }
                    } } }
                }
            }
        }
        section aria-labelledby="mails" {
            h2 #mails { "Correspondence" }
            ol.mails #correspondence {
                @for mail in &view.mails {
                    li class={"mail " (mail.direction)} {
                        p.meta {
                            strong { @if mail.direction == "in" { "From " } @else { "To " } (mail.address.as_deref().unwrap_or("unknown")) }
                            ", " (format_timestamp(mail.date))
                        }
                        p.subject { (mail.subject) }
                        pre.mail { (mail.body) }
                    }
                }
            }
        }
        section aria-labelledby="events" {
            h2 #events { "Events" }
            (events_table(&detail.events, "ticket-events"))
        }
    };
    layout(&format!("Ticket {}", detail.tag), Section::Queue, Some(viewer), body)
}

/// Rows of the log, newest first.
pub fn event_rows(events: &[EventRow]) -> Markup {
    html! {
        @for event in events.iter().rev() {
            tr class={"level-" (event.level)} data-id=(event.id) {
                td data-label="When" { (format_timestamp(event.at)) }
                td data-label="Level" { (event.level) }
                td data-label="Ticket" { @if let Some(ticket) = &event.ticket { a href={"/console/tickets/" (ticket)} { (ticket) } } @else { "-" } }
                td data-label="What" { (event.kind) }
                td data-label="Details" { (event.details) }
                td data-label="By" { (event.actor) }
            }
        }
    }
}

fn events_table(events: &[EventRow], id: &str) -> Markup {
    html! {
        table.cards.events id=(id) {
            thead { tr { th { "When" } th { "Level" } th { "Ticket" } th { "What" } th { "Details" } th { "By" } } }
            tbody { (event_rows(events)) }
        }
    }
}

/// What the log page was asked for.
pub struct LogPage<'a> {
    /// The events, oldest first.
    pub events: &'a [EventRow],
    /// The level asked for.
    pub level: Option<EventLevel>,
    /// The ticket asked for.
    pub ticket: &'a str,
    /// The time asked for, as typed.
    pub since: &'a str,
    /// A filter that could not be read.
    pub problem: Option<String>,
    /// The query string that fetches newer rows with the same filters.
    pub follow_query: String,
}

/// The processing log, newest first; the script adds new events as they come.
pub fn log(viewer: &Viewer<'_>, page: &LogPage<'_>) -> Markup {
    let last = page.events.last().map_or(0, |event| event.id);
    let body = html! {
        h1 { "Processing log" }
        form.filters method="get" action="/console/log" role="search" {
            label for="level" { "Level" }
            select #level name="level" {
                option value="" selected[page.level.is_none()] { "all" }
                @for level in EventLevel::ALL { option value=(level) selected[page.level == Some(*level)] { (level) } }
            }
            label for="ticket" { "Ticket" }
            input #ticket type="text" name="ticket" value=(page.ticket) placeholder="FR-...";
            label for="since" { "Since" }
            input #since type="text" name="since" value=(page.since) placeholder="2h, 7d or 2026-11-30";
            button type="submit" { "Show" }
        }
        @if let Some(problem) = &page.problem { (notice("error", problem)) }
        p #follow-status role="status" data-follow=(page.follow_query) data-after=(last) {
            "The newest 500 events that match, newest first; new ones appear as they happen."
        }
        (events_table(page.events, "log"))
    };
    layout("Log", Section::Log, Some(viewer), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let page = login("t", "<script>alert(1)</script>", Some("a & b")).into_string();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("a &amp; b"));
    }

    #[test]
    fn ages_read_as_the_largest_unit() {
        assert_eq!(age(-5), "0s");
        assert_eq!(age(59), "59s");
        assert_eq!(age(3_600), "1h");
        assert_eq!(age(3 * 86_400 + 5), "3d");
    }
}
