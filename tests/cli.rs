//! The `formrobot check` command as a user runs it: output format and exit codes.

mod common;

use common::formrobot;
use std::process::Output;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const TODAY: &str = "--today=2026-11-23";

#[test]
fn a_valid_form_exits_zero() {
    let output = formrobot(&["check", TODAY, "fixtures/forms/apnic-valid-full.txt"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).ends_with("fixtures/forms/apnic-valid-full.txt: accepted: 0 errors, 0 warnings\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn an_invalid_form_exits_one_with_compiler_style_lines() {
    let output = formrobot(&["check", TODAY, "fixtures/forms/apnic-bad-date.txt"], None);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let first = text.lines().next().expect("at least one line");
    let mut parts = first.splitn(4, ':');
    assert_eq!(parts.next(), Some("fixtures/forms/apnic-bad-date.txt"));
    assert!(parts.next().is_some_and(|line| line.parse::<usize>().is_ok()), "{first}");
    assert_eq!(parts.next(), Some(" changed"), "{first}");
    assert!(text.contains("1996/10/02"), "the message quotes the value: {text}");
    assert!(text.contains("    help: "), "help text is shown: {text}");
}

#[test]
fn json_output_has_the_documented_shape() {
    let output = formrobot(&["check", "--json", TODAY, "fixtures/forms/ripe-auto-undefined.txt"], None);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let object = value.as_object().expect("an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["errors", "handles", "reply", "status", "ticket", "warnings"]);
    assert!(value["ticket"].is_null() && value["reply"].is_null());
    assert_eq!(value["handles"], serde_json::json!({}));
    assert_eq!(value["status"], "rejected");
    let error = &value["errors"][0];
    let mut error_keys: Vec<&str> = error.as_object().expect("an object").keys().map(String::as_str).collect();
    error_keys.sort_unstable();
    assert_eq!(error_keys, ["attribute", "line", "message"]);
    assert!(value["errors"]
        .as_array()
        .expect("array")
        .iter()
        .any(|e| e["message"].as_str().is_some_and(|m| m.contains("AUTO-3"))));
}

#[test]
fn reads_standard_input() {
    let form = std::fs::read("fixtures/forms/ripe-valid-full.txt").expect("fixture readable");
    let output = formrobot(&["check", "--json", TODAY, "-"], Some(&form));
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert_eq!(value["status"], "accepted");
    let no_argument = formrobot(&["check", TODAY], Some(&form));
    assert_eq!(no_argument.status.code(), Some(0));
}

#[test]
fn a_large_form_file_is_checked_as_the_same_text_on_standard_input() {
    // From 1 MiB a file is mapped instead of read: what is reported must not change,
    // whether the text is UTF-8 or has to be decoded byte by byte.
    let scratch = common::Scratch::new("large-form");
    let form = std::fs::read("fixtures/forms/ripe-valid-full.txt").expect("fixture readable");
    let mut large = form.clone();
    while large.len() < 1 << 20 {
        large.push(b'\n');
        large.extend_from_slice(&form);
    }
    // "Troms\xf8" is Latin-1, not UTF-8, so that text is decoded byte for byte.
    let mut latin1 = large.clone();
    let oslo = latin1.windows(4).position(|window| window == b"Oslo").expect("the fixture names Oslo");
    latin1.splice(oslo..oslo + 4, *b"Troms\xf8");
    // Signed inline (RFC 4880 section 7, each line that starts with '-' dash-escaped), with a
    // line in the first aut-num that starts with '-': reported as sent, once out of its armour.
    let mut signed = b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n".to_vec();
    let mut dashed = false;
    for line in large.split_inclusive(|&byte| byte == b'\n') {
        if line.starts_with(b"-") {
            signed.extend_from_slice(b"- ");
        }
        signed.extend_from_slice(line);
        if !dashed && line.starts_with(b"as-name:") {
            signed.extend_from_slice(b"- -dashed: 1\n");
            dashed = true;
        }
    }
    assert!(dashed, "the fixture has an aut-num");
    signed
        .extend_from_slice(b"-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n");
    for (name, text) in [("utf-8.txt", &large), ("latin-1.txt", &latin1), ("signed.txt", &signed)] {
        let path = scratch.path(name);
        std::fs::write(&path, text).expect("scratch writable");
        let path = path.to_str().expect("UTF-8 path");
        let from_stdin = formrobot(&["check", "--json", TODAY, "-"], Some(text));
        // On one thread, the scans of a mapped file run one after the other; on two, at once.
        for threads in ["1", "2"] {
            let from_file = formrobot(&["check", "--json", "--threads", threads, TODAY, path], None);
            assert_eq!(from_file.status.code(), Some(1), "{name}, {threads}: duplicates make it fail");
            assert_eq!(from_file.status.code(), from_stdin.status.code(), "{name}, {threads}");
            assert!(from_file.stdout.len() > 1000, "{name}, {threads}: {}", stdout(&from_file));
            assert_eq!(stdout(&from_file), stdout(&from_stdin), "{name}, {threads}");
        }
    }
    let unarmoured =
        stdout(&formrobot(&["check", TODAY, scratch.path("signed.txt").to_str().expect("UTF-8 path")], None));
    assert!(unarmoured.contains("'-dashed: 1'") && !unarmoured.contains("'- -dashed"), "{unarmoured}");
    let decoded: serde_json::Value = serde_json::from_slice(
        &formrobot(&["check", "--json", TODAY, scratch.path("latin-1.txt").to_str().expect("UTF-8 path")], None).stdout,
    )
    .expect("valid JSON");
    assert!(decoded.to_string().contains("'\u{f8}' (U+00F8)"), "the Latin-1 byte is read as such: {decoded}");
}

#[test]
fn a_form_signed_inline_is_checked_out_of_its_armour_with_its_line_numbers() {
    let form = std::fs::read_to_string("fixtures/forms/ripe-bad-changed.txt").expect("fixture");
    // RFC 4880 section 7: armour lines around the text, and every line starting with '-' dash-escaped.
    let escaped: String = form
        .lines()
        .map(|line| if line.starts_with('-') { format!("- {line}\n") } else { format!("{line}\n") })
        .collect();
    let signed = format!(
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n{escaped}-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n"
    );
    let plain = formrobot(&["check", "--json", TODAY, "-"], Some(form.as_bytes()));
    let armoured = formrobot(&["check", "--json", TODAY, "-"], Some(signed.as_bytes()));
    let lines = |output: &Output| -> Vec<(serde_json::Value, serde_json::Value)> {
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        value["errors"].as_array().expect("errors").iter().map(|e| (e["line"].clone(), e["message"].clone())).collect()
    };
    let plain_errors = lines(&plain);
    assert!(!plain_errors.is_empty(), "the fixture has an error");
    // Three armour lines come first, so every problem is three lines further down, and nothing is said of the armour.
    let shifted: Vec<_> = plain_errors
        .iter()
        .map(|(line, message)| (serde_json::json!(line.as_u64().map(|n| n + 3)), message.clone()))
        .collect();
    assert_eq!(lines(&armoured), shifted, "{}", stdout(&armoured));
}

/// The process runs on small pages (mimalloc's transparent huge pages took 2
/// MiB at each first touch: a 1 MB form's peak was twice as large with them):
/// seen in the kernel's status of a `check` waiting for its form.
#[cfg(target_os = "linux")]
#[test]
fn check_runs_on_small_pages_while_it_reads_a_form() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_formrobot"))
        .args(["check", TODAY, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("formrobot starts");
    let status = format!("/proc/{}/status", child.id());
    let huge_pages_allowed = || {
        let text = std::fs::read_to_string(&status).unwrap_or_default();
        text.lines().find_map(|line| line.strip_prefix("THP_enabled:")).map(|value| value.trim() != "0")
    };
    // Waiting on standard input, it is past the start of `main`.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while huge_pages_allowed() != Some(false) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let seen = huge_pages_allowed();
    let form = std::fs::read("fixtures/forms/apnic-valid-full.txt").expect("fixture");
    child.stdin.take().expect("stdin").write_all(&form).expect("form written");
    let output = child.wait_with_output().expect("formrobot ends");
    assert_eq!(seen, Some(false), "THP_enabled in {status} while the form was read");
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn text_without_a_template_is_rejected() {
    let output = formrobot(&["check", "--json", TODAY, "-"], Some(b"Hello,\n\nplease send me an AS.\n\nRegards\n"));
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert!(value["errors"][0]["message"].as_str().is_some_and(|m| m.contains("no template was found")), "{value}");
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let output = formrobot(&["check", "no/such/file.txt"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read no/such/file.txt"));
}

#[test]
fn forms_can_come_from_a_directory() {
    let output = formrobot(&["--forms", "forms", "check", TODAY, "fixtures/forms/ripe-valid-full.txt"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let empty = tempfile::tempdir().expect("temp dir");
    let output = formrobot(
        &["--forms", empty.path().to_str().expect("UTF-8 path"), "check", TODAY, "fixtures/forms/ripe-valid-full.txt"],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "with no template definitions nothing can be accepted");
}

fn mail_with_form() -> Vec<u8> {
    let form = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/forms/ripe-valid-full.txt"))
        .expect("fixture");
    format!("From: Sam <sam@example.org>\nTo: robot@example.net\nSubject: AS\nMessage-ID: <cli@example.org>\n\n{form}")
        .into_bytes()
}

#[test]
fn process_exits_zero_once_committed_even_when_nobody_reads_its_output() {
    use std::io::Write;
    let dir = common::Scratch::new("process-closed-stdout");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_formrobot"))
        .arg("--db")
        .arg(dir.db())
        .arg("process")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    // The reader of standard output is gone before the robot writes a word.
    drop(child.stdout.take());
    child.stdin.take().expect("piped").write_all(&mail_with_form()).expect("written");
    let output = child.wait_with_output().expect("finishes");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let store = rusqlite::Connection::open(dir.db()).expect("opens");
    let messages: i64 = store.query_row("SELECT COUNT(*) FROM messages", [], |row| row.get(0)).expect("counts");
    assert_eq!(messages, 1, "the mail is recorded");
}

#[test]
fn process_without_a_readable_configuration_asks_the_mta_to_try_later() {
    let dir = common::Scratch::new("process-config");
    let misspelt = dir.path("misspelt.toml");
    std::fs::write(&misspelt, "max_mesage_bytes = 5\n").expect("written");
    let missing = dir.path("missing.toml");
    for config in [&missing, &misspelt] {
        let output = formrobot(
            &["--db", dir.db().to_str().expect("UTF-8"), "--config", config.to_str().expect("UTF-8"), "process"],
            Some(&mail_with_form()),
        );
        let said = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(75), "{said}");
        assert!(said.contains(&config.display().to_string()) && said.contains("deliver"), "{said}");
    }
    assert!(!dir.db().exists(), "nothing was recorded");
}

#[test]
fn an_unknown_configuration_key_stops_check_config_and_the_daemon() {
    let dir = common::Scratch::new("unknown-key");
    let config = dir.path("robot.toml");
    std::fs::write(&config, "database = \"x.db\"\n[imap]\nhost = \"127.0.0.1\"\nusername = \"r\"\npasword = \"x\"\n")
        .expect("written");
    for command in ["check-config", "daemon"] {
        let output = formrobot(&["--config", config.to_str().expect("UTF-8"), command], None);
        let said = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {said}");
        assert!(said.contains("pasword"), "{command} names the key: {said}");
    }
}

#[test]
fn every_command_is_described_in_the_help() {
    let output = common::formrobot(&["--help"], None);
    assert!(output.status.success());
    let help = stdout(&output);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .collect();
    assert!(commands.len() > 10, "{help}");
    for line in commands {
        let (command, description) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
        let description = description.trim();
        // A description, and its own: not a type's placeholder, nor another command's.
        assert!(description.len() > 15 && !description.starts_with("What "), "{command}: {description:?}");
        if command == "operator" {
            assert!(description.starts_with("Operators of the web console"), "{description}");
        }
        if command == "api-key" {
            assert!(description.contains("keys of the Resource Request API"), "{description}");
        }
    }
}
