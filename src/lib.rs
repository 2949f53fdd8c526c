//! formrobot: a request robot for Internet number registries. This crate is the
//! imperative shell: it reads mail (from standard input, files, mailboxes or an
//! IMAP server), reads the clock, runs [`pipeline::process_mail`] and sends the
//! replies queued in the store.
//!
//! The functional core lives in crates of its own, so that the compiler keeps
//! the layers apart: `formrobot-engine` (the form engine: no I/O, no clock),
//! `formrobot-mail` (MIME intake, decisions, replies: bytes in, values out) and
//! `formrobot-store` (SQLite). Dependencies point one way: this crate uses all
//! three; the store and the mail stages use the engine; the engine uses none.
//!
//! - [`pipeline`]: one mail through every stage, shared by `process`, `replay` and the daemon;
//! - [`batch`]: group commits of many mails, shared by `replay` and the daemon's intake;
//! - [`config`]: the TOML configuration;
//! - [`mailbox`]: where `replay` finds mail (files, directories, Maildir, mbox);
//! - [`operator`]: hostmasters' actions on tickets (queue, show, ask, approve,
//!   decline), the one code path of every front end;
//! - [`api`]: a Resource Request API request through the same stages, and [`http`]: `formrobot serve`;
//! - [`upstream`]: the upstream registry's API, as a client (`formrobot forward`);
//! - [`daemon`]: IMAP intake and the SMTP sender;
//! - [`clock`]: the one place the shell reads the time;
//! - [`fault`]: faults injected by tests (debug builds only).

pub mod api;
pub mod batch;
pub mod clock;
pub mod config;
pub mod console;
pub mod daemon;
pub mod fault;
pub mod http;
pub mod mailbox;
pub mod operator;
pub mod pipeline;
pub mod upstream;
