//! Times the engine on one file, on one thread and on `THREADS`, N runs:
//! parsing the whole submission and then validating it (`parse_frame_in`,
//! `validate_in`), and the findings alone, each object validated as it is
//! read and dropped (`check_text_findings`, what `formrobot check` runs):
//! `stages FILE [RUNS] [THREADS]` (for profiling, not a benchmark of record).

#![allow(clippy::disallowed_methods)] // A shell: reads the file and the clock.

use formrobot_engine::check::check_text_findings;
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use formrobot_engine::syntax::SyntaxContext;
use formrobot_engine::validate::registry_policy::RegistryPolicy;
use formrobot_engine::{extract, parse, validate};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: stages FILE [RUNS] [THREADS]");
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let threads: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(2);
    let text = std::fs::read_to_string(&path).expect("a readable UTF-8 file");
    let forms = FormSet::embedded().expect("built-in forms load");
    let today = Date::new(2026, 11, 23).expect("a real date");
    let policy = RegistryPolicy::default();
    for _ in 0..runs {
        for threads in [1, threads] {
            let start = Instant::now();
            let frame = extract::Frame::new(&text);
            let submission = parse::parse_frame_in(&frame, threads);
            let parsed = start.elapsed().as_secs_f64();
            let context = SyntaxContext { dialect: submission.dialect, today };
            let validation = validate::validate_in(&submission, &forms, &context, &policy, threads);
            let validated = start.elapsed().as_secs_f64();
            drop((validation, submission));
            let dropped = start.elapsed().as_secs_f64();
            let alone = Instant::now();
            drop(check_text_findings(&text, &forms, today, &policy, threads));
            eprint!(
                "{threads} thread(s): parse {parsed:.4} s, validate {:.4} s, drop {:.4} s, findings alone {:.4} s   ",
                validated - parsed,
                dropped - validated,
                alone.elapsed().as_secs_f64()
            );
        }
        eprintln!();
    }
}
