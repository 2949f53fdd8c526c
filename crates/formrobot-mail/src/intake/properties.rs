//! Property tests of intake on broken and random mail. They call the reader
//! under `read_mail`'s `catch_unwind`, so a panic in mailparse or in our walk
//! of the MIME tree is seen, not turned into one more unreadable mail.

#![allow(clippy::disallowed_methods)] // Tests read fixture mails and time each case.

use super::read_mail_unguarded;
use formrobot_engine::check::check_text;
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use proptest::prelude::*;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

static FORMS: LazyLock<FormSet> = LazyLock::new(|| FormSet::embedded().expect("built-in forms load"));

fn today() -> Date {
    Date::new(2026, 11, 23).expect("a real date")
}

/// A fixture mail from the workspace's `fixtures/mail/`.
fn fixture_mail(name: &str) -> Vec<u8> {
    let path = format!("{}/../../fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Byte-level edits of a real multipart mail: boundaries, headers and encodings get broken.
fn mutated_mail() -> impl Strategy<Value = Vec<u8>> {
    let bases = [
        fixture_mail("outlook-alternative-cp1252.eml"),
        fixture_mail("pgp-mime-signed.eml"),
        fixture_mail("thunderbird-flowed-qp.eml"),
    ];
    (0..bases.len(), prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..60)).prop_map(
        move |(which, edits)| {
            let mut bytes = bases[which].clone();
            for (at, byte, kind) in edits {
                if bytes.is_empty() {
                    break;
                }
                let at = at.index(bytes.len());
                match kind {
                    0 => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    2 => {
                        bytes.remove(at);
                    }
                    // Duplicate a stretch, as broken relays do.
                    _ => {
                        let end = (at + 40).min(bytes.len());
                        let piece = bytes[at..end].to_vec();
                        bytes.splice(at..at, piece);
                    }
                }
            }
            bytes
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Intake and extraction on broken mail: no panic, and no case takes long.
    /// This runs the reader without the guard that turns a panic into an
    /// unreadable mail, so that a panic fails the test instead of hiding.
    #[test]
    fn mutated_mails_never_panic_and_finish_quickly(bytes in mutated_mail()) {
        let start = Instant::now();
        let mail = read_mail_unguarded(&bytes);
        let _ = crate::decide::decide(&mail, "as-request@example.net");
        if let Some(text) = &mail.text {
            let _ = check_text(text, &FORMS, today()).outcome();
        }
        // Generous: a few milliseconds are normal; a blow-up would take far longer.
        prop_assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
    }

    #[test]
    fn random_bytes_as_mail_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..8192)) {
        let mail = read_mail_unguarded(&bytes);
        let _ = crate::decide::decide(&mail, "as-request@example.net");
    }
}
