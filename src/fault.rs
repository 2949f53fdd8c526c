//! Faults injected by tests, to stand in for what kills a robot at the worst
//! moment (a mail that crashes it, a `kill -9` between two steps).
//!
//! Test builds only (`debug_assertions`): `FORMROBOT_TEST_FAULT=HOW:TEXT`
//! acts when a mail containing TEXT reaches the point HOW names:
//! `abort` and `panic` just before the mail is processed, `abort-after-record`
//! once it is committed but before anything else is done with it (its reply
//! file is not written yet). Release builds have no injected faults.

/// Where a fault may strike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// A mail is about to be processed.
    BeforeProcessing,
    /// A mail has just been committed.
    AfterRecord,
}

/// Aborts or panics as `FORMROBOT_TEST_FAULT` asks, when `raw` contains its TEXT at `point`.
pub fn injected_fault(point: FaultPoint, raw: &[u8]) {
    if armed(point, raw) {
        strike();
    }
}

/// Whether `FORMROBOT_TEST_FAULT` asks for a fault when `raw` reaches `point`
/// (for a caller that strikes later, when the mail reaches it in a batch).
#[cfg(debug_assertions)]
pub fn armed(point: FaultPoint, raw: &[u8]) -> bool {
    let Ok(spec) = std::env::var("FORMROBOT_TEST_FAULT") else { return false };
    let (how, text) = spec.split_once(':').unwrap_or(("abort", spec.as_str()));
    let applies = match point {
        FaultPoint::BeforeProcessing => how == "abort" || how == "panic",
        FaultPoint::AfterRecord => how == "abort-after-record",
    };
    applies && !text.is_empty() && raw.windows(text.len()).any(|window| window == text.as_bytes())
}

/// Release builds have no injected faults.
#[cfg(not(debug_assertions))]
pub fn armed(_point: FaultPoint, _raw: &[u8]) -> bool {
    false
}

/// Panics (`panic:`) or aborts, as `FORMROBOT_TEST_FAULT` asks.
pub fn strike() {
    if std::env::var("FORMROBOT_TEST_FAULT").is_ok_and(|spec| spec.starts_with("panic:")) {
        panic!("injected fault (FORMROBOT_TEST_FAULT)");
    }
    std::process::abort();
}
