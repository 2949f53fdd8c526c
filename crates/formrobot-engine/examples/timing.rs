//! Times the engine on one file, best of N runs: `timing FILE [RUNS]` (for profiling, not a benchmark of record).

#![allow(clippy::disallowed_methods)] // A shell: reads the file and the clock.

use formrobot_engine::check::check_text;
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: timing FILE [RUNS]");
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let text = std::fs::read_to_string(&path).expect("a readable UTF-8 file");
    let forms = FormSet::embedded().expect("built-in forms load");
    let today = Date::new(2026, 11, 23).expect("a real date");
    let mut best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let checked = check_text(&text, &forms, today);
        let errors = checked.error_count();
        drop(checked);
        let seconds = start.elapsed().as_secs_f64();
        best = best.min(seconds);
        eprintln!("{seconds:.4} s ({errors} errors)");
    }
    println!("best {best:.4} s, {:.1} MB/s", text.len() as f64 / best / 1e6);
}
