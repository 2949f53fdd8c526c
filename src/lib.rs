//! formrobot: a request robot for Internet number registries.
//!
//! The library is the functional core. A submission flows through the stages in
//! this order, one module each:
//!
//! 1. [`extract`]: find the text between the "CUT HERE" markers;
//! 2. [`parse`]: split it into templates or RPSL objects (APNIC-038 or RIPE-228 dialect);
//! 3. [`validate`]: check each object against its template definition from [`forms`],
//!    each value against its [`syntax`] class (routing policy through [`policy`]),
//!    and the rules that span objects;
//! 4. [`check`]: ties the stages together and produces an [`outcome::Outcome`].
//!
//! Nothing in these modules performs I/O or reads the clock: the caller passes
//! today's date in, which keeps every stage a plain function over data.

pub mod check;
pub mod config;
pub mod daemon;
pub mod date;
pub mod decide;
pub mod diagnostic;
pub mod dialect;
pub mod extract;
pub mod forms;
pub mod intake;
pub mod mailbox;
pub mod outcome;
pub mod parse;
pub mod pipeline;
pub mod policy;
pub mod reply;
pub mod resolve;
pub mod source;
pub mod store;
pub mod syntax;
pub mod validate;
