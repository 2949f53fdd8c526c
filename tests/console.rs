//! The operators' console and the public check page through a real browser:
//! `formrobot serve` on a loopback port over a real database whose tickets
//! came by mail through `formrobot process`, and a headless Chromium driven
//! through chromedriver (both from Debian's packages; `scripts/browser`
//! installs them when missing, and a machine where it cannot fails here).

mod common;

use common::browser::{png_size, Browser};
use common::serve::{Server, TODAY};
use common::{formrobot, Scratch};
use rusqlite::Connection;
use serde_json::{json, Value};
use std::path::Path;

const PASSWORD: &str = "correct horse battery";

fn repo(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `formrobot --db DB --today ... args` with `stdin`; exit code, stdout, stderr.
fn run(db: &Path, args: &[&str], stdin: Option<&[u8]>) -> (Option<i32>, String, String) {
    let mut all = vec!["--db", db.to_str().expect("UTF-8"), TODAY];
    all.extend(args);
    let output = formrobot(&all, stdin);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

/// Processes the fixture mail at `path` (from the repository's top); its ticket.
fn mail_in(db: &Path, path: &str) -> String {
    let (code, out, err) = run(db, &["process", "--json"], Some(repo(path).as_bytes()));
    assert_eq!(code, Some(0), "{err}");
    let outcome: Value = serde_json::from_str(&out).expect("JSON");
    outcome["ticket"].as_str().unwrap_or_else(|| panic!("no ticket: {outcome}")).to_owned()
}

fn add_operator(db: &Path, name: &str) {
    let (code, _, err) = run(
        db,
        &["--operator", "root", "operator", "add", name, "--password-stdin"],
        Some(format!("{PASSWORD}\n").as_bytes()),
    );
    assert_eq!(code, Some(0), "{err}");
}

fn show(db: &Path, ticket: &str) -> Value {
    let (code, out, err) = run(db, &["show", ticket, "--json"], None);
    assert_eq!(code, Some(0), "{err}");
    serde_json::from_str(&out).expect("JSON")
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db).expect("opens").query_row(sql, [], |row| row.get(0)).expect("counts")
}

/// Logs in on the login page with `password`.
fn log_in(browser: &Browser, server: &Server, name: &str, password: &str) {
    browser.open(&server.url("/console/login"));
    browser.type_into("#name", name);
    browser.type_into("#password", password);
    browser.click("form.stack button[type=submit]");
}

/// The text of the page's alert; fails with the page when there is none.
fn alert(browser: &Browser) -> String {
    if browser.count("[role=alert]") == 0 {
        panic!("no alert on {}: {}", browser.url(), browser.source());
    }
    browser.text("[role=alert]")
}

/// Whitespace runs as one space, for comparing wrapped text with unwrapped.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn an_operator_logs_in_and_approves_a_mailed_ticket_seeing_the_number_and_the_final_mail() {
    let scratch = Scratch::new("console-approve");
    let db = scratch.db();
    let ticket = mail_in(&db, "fixtures/lifecycle/ripe-request.eml");
    let other = mail_in(&db, "fixtures/lifecycle/apnic-request.eml");
    add_operator(&db, "alice");
    let server = Server::start(&scratch, &db, "");
    let browser = Browser::start(1280, 900);

    // Any console page without a session leads to the login.
    browser.open(&server.url("/console/"));
    assert!(browser.url().ends_with("/console/login"), "{}", browser.url());

    // A wrong password: refused, said so, logged.
    log_in(&browser, &server, "alice", "not the password");
    assert!(browser.url().ends_with("/console/login"));
    assert!(alert(&browser).contains("name or the password is wrong"), "{}", browser.source());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM events WHERE kind = 'login-failed' AND actor = 'alice'"), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sessions"), 0);

    // The right one: the queue, oldest first.
    log_in(&browser, &server, "alice", PASSWORD);
    assert!(browser.url().ends_with("/console/"), "{}", browser.url());
    let queue = browser.text("#queue");
    assert!(queue.contains(&ticket) && queue.contains(&other), "{queue}");
    assert!(queue.find(&ticket) < queue.find(&other), "oldest first: {queue}");
    assert!(queue.contains("pending-review") && queue.contains("jane@example.org"), "{queue}");
    let cookie = browser.run("return document.cookie;", json!([]));
    assert_eq!(cookie, "", "the session cookie is HttpOnly: scripts cannot read it");

    // The search narrows the queue to one ticket by its requester.
    browser.type_into("#q", "jane@");
    browser.click("form.filters button");
    assert_eq!(browser.count("#queue tbody tr"), 1, "{}", browser.text("#queue"));

    // The ticket: the request as received with its lines, masked, the correspondence.
    browser.click(&format!("a[href='/console/tickets/{ticket}']"));
    assert!(browser.url().ends_with(&format!("/console/tickets/{ticket}")));
    assert!(browser.text("#state").contains("pending-review"));
    let received = browser.text(".form-lines");
    assert!(received.contains("aut-num:") && received.contains("as-name:"), "{received}");
    let page = browser.source();
    assert!(!page.contains("aB3dE5gH7jK9m"), "an auth: hash is never shown");
    assert!(!page.contains(PASSWORD), "nor a password");
    assert_eq!(browser.count("#correspondence > li"), 2, "the request and its acknowledgement");

    // A form whose CSRF token was taken out is refused, and changes nothing.
    browser.run("document.querySelector('#decline input[name=csrf]').remove();", json!([]));
    browser.type_into("#reason", "a forged decline");
    browser.click("#decline button");
    assert!(browser.text("h1").contains("Refused"), "{}", browser.source());
    assert!(alert(&browser).contains("security token"));
    assert_eq!(show(&db, &ticket)["state"], "pending-review");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM events WHERE kind = 'declined'"), 0);

    // Approve with a chosen AS number: the state, the number, the final mail.
    browser.open(&server.url(&format!("/console/tickets/{ticket}")));
    browser.type_into("#asn", "AS64500");
    browser.type_into("#note", "Welcome aboard.");
    browser.click("#approve button");
    assert!(browser.url().contains("done=approve"), "{}", browser.url());
    assert!(browser.text("#state").contains("approved"), "{}", browser.source());
    assert_eq!(browser.text("#asns"), "AS64500");
    assert_eq!(browser.count("#approve"), 0, "no decision forms on a closed ticket");
    assert_eq!(browser.count("#correspondence > li"), 3);
    let last = browser.text("#correspondence > li:last-child");
    assert!(last.contains("To jane@example.org"), "{last}");
    assert!(last.contains("AS64500") && last.contains("Welcome aboard."), "{last}");
    assert!(last.contains(&format!("[{ticket}]")), "{last}");

    // The same as the command line sees it: one path, the operator's name recorded.
    let shown = show(&db, &ticket);
    assert_eq!(shown["state"], "approved");
    assert_eq!(shown["asns"], json!(["AS64500"]));
    let events = shown["events"].as_array().expect("events");
    assert!(events.iter().any(|e| e["kind"] == "approved" && e["actor"] == "alice"), "{shown}");
    assert!(events.iter().any(|e| e["kind"] == "state-changed" && e["actor"] == "alice"));

    // The log page follows new events as they happen.
    browser.open(&server.url("/console/log"));
    assert!(browser.text("#log").contains("asn-assigned"));
    let newcomer = mail_in(&db, "fixtures/mail/alpine-bad-date.eml");
    browser.wait_for_text("#log tbody tr:first-child", &newcomer, 20);
    browser.wait_for_text("#follow-status", "new event", 5);
    // A filter by level shows only that level.
    browser.open(&server.url("/console/log?level=warn"));
    let warn_rows = browser.count("#log tbody tr");
    assert_eq!(warn_rows as i64, count(&db, "SELECT COUNT(*) FROM events WHERE level = 'warn'"));

    // The overview counts by state.
    browser.open(&server.url("/console/overview"));
    let counts = browser.text("#counts");
    assert!(
        counts.contains("approved 1") && counts.contains("pending-review 1") && counts.contains("rejected 1"),
        "{counts}"
    );
    assert!(browser.count("figure.chart svg") >= 3);

    // Logging out ends the session: the console is closed again.
    browser.click("form.logout button");
    browser.open(&server.url("/console/"));
    assert!(browser.url().ends_with("/console/login"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sessions"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM events WHERE kind IN ('logged-in', 'logged-out')"), 2);
    let stored: String = Connection::open(&db)
        .expect("opens")
        .query_row("SELECT password_hash FROM operators", [], |row| row.get(0))
        .expect("an operator");
    assert!(stored.starts_with("$argon2id$") && !stored.contains(PASSWORD), "only the hash is kept");
}

#[test]
fn repeated_wrong_passwords_are_refused_for_a_while_and_logged() {
    let scratch = Scratch::new("console-limit");
    let db = scratch.db();
    add_operator(&db, "bob");
    let server = Server::start(&scratch, &db, "[console]\nmax_login_failures = 2\n");
    let browser = Browser::start(1280, 900);
    for _ in 0..2 {
        log_in(&browser, &server, "bob", "guess");
        assert!(alert(&browser).contains("wrong"));
    }
    // Now even the right password waits for the window to pass.
    log_in(&browser, &server, "bob", PASSWORD);
    assert!(alert(&browser).contains("Too many failed logins"), "{}", browser.source());
    assert!(browser.url().ends_with("/console/login"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM events WHERE kind = 'login-failed' AND actor = 'bob'"), 3);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sessions"), 0);
    assert!(server.stderr().contains("login failed"), "{}", server.stderr());
}

#[test]
fn the_check_page_answers_a_broken_and_a_valid_form_as_the_robot_would_and_records_nothing() {
    let scratch = Scratch::new("console-check");
    let db = scratch.db();
    mail_in(&db, "fixtures/lifecycle/ripe-request.eml");
    let before: Vec<i64> = ["messages", "tickets", "events", "outbox"]
        .iter()
        .map(|table| count(&db, &format!("SELECT COUNT(*) FROM {table}")))
        .collect();
    let server = Server::start(&scratch, &db, "");
    let browser = Browser::start(375, 800);

    // A broken form: every error of `formrobot check`, each under its line, in the robot's words.
    let broken = repo("fixtures/forms/apnic-bad-date.txt");
    let (code, expected, _) = run(&db, &["check", "--json", "-"], Some(broken.as_bytes()));
    assert_eq!(code, Some(1));
    let expected: Value = serde_json::from_str(&expected).expect("JSON");
    browser.open(&server.url("/check"));
    browser.run("document.getElementById('form').value = arguments[0];", json!([broken]));
    browser.click("#check button");
    assert!(browser.text("#verdict-title").contains("errors"), "{}", browser.source());
    let answer = browser.text("#answer");
    assert!(answer.contains("Your AS number request could not be accepted"), "{answer}");
    let errors = expected["errors"].as_array().expect("errors");
    assert!(!errors.is_empty());
    for error in errors {
        let line = error["line"].as_u64().expect("a line");
        let message = error["message"].as_str().expect("a message");
        assert!(flat(&answer).contains(&flat(message)), "'{message}' is not in the answer: {answer}");
        // The problem stands right under its numbered line.
        let lines: Vec<&str> = answer.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("{line} ")))
            .unwrap_or_else(|| panic!("line {line} is not echoed: {answer}"));
        assert!(lines[at + 1].contains("^^^ ERROR"), "not under line {line}: {}", lines[at + 1]);
    }
    assert!(browser.text("#summary").starts_with(&format!("{} error(s)", errors.len())));
    assert_eq!(
        browser.run("return document.getElementById('form').value;", json!([])),
        json!(broken),
        "the form stays to be corrected"
    );

    // A valid form: no errors.
    let valid = repo("fixtures/forms/apnic-valid-full.txt");
    browser.run("document.getElementById('form').value = arguments[0];", json!([valid]));
    browser.click("#check button");
    assert_eq!(browser.text("#verdict-title"), "No errors");
    assert!(browser.text("#answer").contains("Your form has no errors"), "{}", browser.text("#answer"));

    // Without the page's token: refused.
    browser.run("document.querySelector('#check input[name=csrf]').remove();", json!([]));
    browser.click("#check button");
    assert!(alert(&browser).contains("security token"), "{}", browser.source());

    let after: Vec<i64> = ["messages", "tickets", "events", "outbox"]
        .iter()
        .map(|table| count(&db, &format!("SELECT COUNT(*) FROM {table}")))
        .collect();
    assert_eq!(after, before, "checking records nothing and opens no ticket");
}

#[test]
fn the_check_page_limits_checks_per_address_and_the_size_of_a_form() {
    let scratch = Scratch::new("console-check-limits");
    let db = scratch.db();
    let server = Server::start(&scratch, &db, "[console]\nchecks_per_minute = 2\ncheck_max_bytes = 4096\n");
    let browser = Browser::start(1280, 900);
    browser.open(&server.url("/check"));
    let large = "remarks: x\n".repeat(500);
    browser.run("document.getElementById('form').value = arguments[0];", json!([large]));
    browser.click("#check button");
    assert!(alert(&browser).contains("more than the 4096"), "{}", browser.source());
    for _ in 0..2 {
        browser.run("document.getElementById('form').value = 'aut-num: AS1';", json!([]));
        browser.click("#check button");
        assert!(browser.count("#verdict") == 1, "{}", browser.source());
    }
    browser.click("#check button");
    assert!(alert(&browser).contains("forms in the last minute"), "{}", browser.source());
}

/// The README's screenshots: the queue, a ticket and the overview at desktop
/// and phone widths. `scripts/screenshots` runs this with
/// `FORMROBOT_SCREENSHOTS=docs/screenshots`; otherwise they go to a scratch directory.
#[test]
fn screenshots_of_the_queue_a_ticket_and_the_overview() {
    let scratch = Scratch::new("console-screenshots");
    let db = scratch.db();
    // A fortnight of mail: each fixture mail on one of the last fourteen days.
    let mut mails: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mail"))
        .expect("fixtures")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    mails.sort();
    let mut accepted = Vec::new();
    let mut broken = None;
    for (index, path) in mails.iter().enumerate() {
        let today = format!("--today=2026-11-{:02} {:02}:00:00", 17 + index % 14, 8 + index % 9);
        let raw = std::fs::read(path).expect("a mail");
        let output = formrobot(&["--db", db.to_str().expect("UTF-8"), &today, "process", "--json"], Some(&raw));
        let outcome: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        match (outcome["status"].as_str(), outcome["ticket"].as_str()) {
            (Some("accepted"), Some(ticket)) => accepted.push((ticket.to_owned(), 17 + index % 14)),
            (Some("rejected"), Some(ticket)) if path.ends_with("claws-bad-email.eml") => {
                broken = Some(ticket.to_owned())
            }
            _ => {}
        }
    }
    let broken = broken.expect("the claws-bad-email fixture is rejected with a ticket");
    add_operator(&db, "alice");
    // Decisions a few hours to a few days after each request; the newest stay in the queue.
    for (index, (ticket, day)) in accepted.iter().enumerate().take(accepted.len().saturating_sub(3)) {
        let when = format!("--today=2026-11-{:02} 17:00:00", (day + index % 4).min(30));
        let mut args = vec!["--db", db.to_str().expect("UTF-8"), &when, "--operator", "alice"];
        if index % 4 == 3 {
            args.extend(["decline", ticket, "--reason", "the neighbours named do not confirm the peering"]);
        } else {
            args.extend(["approve", ticket]);
        }
        let output = formrobot(&args, None);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let out = std::env::var_os("FORMROBOT_SCREENSHOTS").map_or_else(|| scratch.path("screenshots"), Into::into);
    std::fs::create_dir_all(&out).expect("screenshot directory");

    let server = Server::start(&scratch, &db, "");
    let browser = Browser::start(1280, 900);
    log_in(&browser, &server, "alice", PASSWORD);
    for (width, label) in [(1280, "desktop"), (375, "phone")] {
        for (page, path) in [
            ("queue", "/console/".to_owned()),
            ("ticket", format!("/console/tickets/{broken}")),
            ("overview", "/console/overview".to_owned()),
        ] {
            browser.viewport(width, 900);
            browser.open(&server.url(&path));
            let png = browser.screenshot(width, if width < 600 { 2400 } else { 1600 });
            assert_eq!(png_size(&png).0, width, "{page} at {label} width");
            std::fs::write(out.join(format!("{page}-{label}.png")), &png).expect("written");
        }
    }
}
