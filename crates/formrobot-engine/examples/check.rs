//! Checks one form with the engine alone and prints every problem, the way
//! `formrobot check` does: `cargo run --example check -p formrobot-engine FILE`.
//!
//! The engine reads no file and no clock; this example is the small shell that
//! does both and hands the engine text and today's date.

#![allow(clippy::disallowed_methods)] // This example is the shell: it reads the file, the arguments and the clock.

use formrobot_engine::check::{check_text, decode_owned_bytes};
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use formrobot_engine::outcome::Status;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: check FILE");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("check: cannot read {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let forms = match FormSet::embedded() {
        Ok(forms) => forms,
        Err(error) => {
            eprintln!("check: the built-in template definitions are broken: {error}");
            return ExitCode::from(2);
        }
    };
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let today = Date::from_unix_seconds(i64::try_from(seconds).unwrap_or(i64::MAX));

    let checked = check_text(&decode_owned_bytes(bytes), &forms, today);
    for diagnostic in &checked.diagnostics {
        let line = diagnostic.line.map(|l| format!(":{l}")).unwrap_or_default();
        let severity = if diagnostic.is_error() { "error" } else { "warning" };
        let attribute = diagnostic.attribute.as_deref().map(|a| format!("{a}: ")).unwrap_or_default();
        println!("{path}{line}: {severity}: {attribute}{}", diagnostic.message);
    }
    let status = checked.status();
    println!("{path}: {}", if status == Status::Accepted { "accepted" } else { "rejected" });
    if status == Status::Accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
