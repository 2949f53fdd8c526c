//! formrobot's mail stages, pure: bytes in, values out.
//!
//! - [`intake`] (pipeline stage 1): the raw bytes of a mail to its headers, the
//!   text of the submission and the attachments kept with it (mailparse);
//! - [`decide`] (stage 2): what the mail is: a form, a help request, something to
//!   ignore (bounces, auto-replies, lists, our own replies) or to refuse;
//! - [`reply`] (stage 8): the plain-ASCII reply, built as a whole message (lettre's builder);
//! - [`thread`]: what a mail cites (ticket tags, answered Message-IDs), so the
//!   store can find the ticket it belongs to.
//!
//! Nothing here opens a file or a socket or reads the clock: "now" is an argument.
//! The form engine's stages in between (extract, parse, validate, resolve) are
//! in `formrobot-engine`; recording is in `formrobot-store`.

pub mod decide;
pub mod intake;
pub mod reply;
pub mod thread;
