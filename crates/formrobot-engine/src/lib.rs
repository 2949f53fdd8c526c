//! formrobot's form engine: the functional core of a registry's request robot.
//!
//! The robot's pipeline has eight stages: 1 intake and 2 decide (in
//! `formrobot-mail`), 3 extract, 4 parse, 5 validate and 6 resolve (here),
//! 7 record (in `formrobot-store`) and 8 reply (in `formrobot-mail`). A
//! submission (the text a person mailed, with or without "CUT HERE" markers)
//! flows through this crate's four, one module each:
//!
//! 3. [`extract`]: find the text between the "CUT HERE" markers;
//! 4. [`parse`]: split it into templates or RPSL objects (APNIC-038 or RIPE-228 dialect);
//! 5. [`validate`]: check each object against its template definition from [`forms`],
//!    each value against its [`syntax`] class (routing policy through [`policy`]),
//!    and the rules that span objects;
//! 6. [`resolve`]: which objects need a real NIC handle, and the objects rewritten with them.
//!
//! [`check::check_text`] runs stages 3 to 5 and gives a [`check::Checked`], whose
//! [`outcome`](check::Checked::outcome) is the JSON shape the command line prints.
//!
//! The crate performs no I/O and reads no clock: today's date is an argument,
//! template definitions are embedded at build time from the workspace's `forms/`
//! (or passed in as text with [`forms::FormSet::from_sources`]), and the registry
//! is reached only through the [`validate::registry::Registry`] trait. Its
//! dependency tree holds no async runtime, database, mail or network crate.
//!
//! `cargo run --example check -p formrobot-engine FILE` checks one form.
//!
//! ```
//! use formrobot_engine::{check::check_text, date::Date, forms::FormSet, outcome::Status};
//!
//! let forms = FormSet::embedded().expect("the built-in forms load");
//! let today = Date::new(2026, 11, 30).expect("a real date");
//! let checked = check_text("aut-num: AS65537\nas-name: EXAMPLE-AS\n", &forms, today);
//! assert_eq!(checked.status(), Status::Rejected);
//! for error in checked.errors() {
//!     println!("line {:?}: {}", error.line, error.message);
//! }
//! ```

pub mod check;
pub mod date;
pub mod diagnostic;
pub mod dialect;
pub mod extract;
pub mod forms;
mod grammar;
mod hash;
pub mod outcome;
pub mod parse;
pub mod policy;
pub mod register;
pub mod resolve;
pub mod secrets;
pub mod source;
pub mod syntax;
mod threads;
pub mod validate;
