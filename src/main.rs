//! The `formrobot` command line: the imperative shell around the library.
//!
//! Files, standard input, the clock, the database and the exit code live here
//! and in [`cli`]; everything that decides anything is in the library.

mod cli;

/// mimalloc instead of the C library's allocator: the form engine and the
/// mail stages allocate many small objects, and glibc's malloc spent about a
/// quarter of `formrobot check`'s time on a large form (`perf`, issue 14).
/// Its version 2 (the crate's `v2` feature): version 3 held about a fifth more
/// memory at its peak on a 11 MB form, at the same speed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// A request robot for Internet number registries.
#[derive(Debug, Parser)]
#[command(name = "formrobot", version, about)]
struct Cli {
    /// Read template definitions from this directory instead of the built-in ones.
    #[arg(long, global = true, value_name = "DIR")]
    forms: Option<PathBuf>,

    /// The registry database [default: `database` from the config, else formrobot.db].
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,

    /// The configuration file (TOML); without one, the built-in defaults apply.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    /// How the daemon logs to standard error: `human` or `json` (one object per line).
    #[arg(long, global = true, value_name = "FORMAT", default_value = "human")]
    log_format: cli::LogFormat,

    /// Who does operators' actions (approve, decline, ask), for the log [default: $USER].
    #[arg(long, global = true, value_name = "NAME")]
    operator: Option<String>,

    /// Act as if it were this day or time (YYYY-MM-DD[ HH:MM[:SS]], UTC): for reproducible tests.
    #[arg(long, global = true, value_name = "DATE", hide = true)]
    today: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a filled-in form and list every problem, like a compiler.
    ///
    /// Exits 0 when the form would be accepted, 1 when it would be rejected.
    /// With --db, references are also checked against the registry.
    Check {
        /// The form to check; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
        /// How many threads may read and check a large form (from 256 kB) at once
        /// [default: the cores this process may use]. The report is the same for any number.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
    },
    /// Process one mail read from standard input, as an MTA pipes it: record it,
    /// decide, and queue the reply.
    ///
    /// Exits 0 once the mail is handled, 75 (EX_TEMPFAIL) when it should be retried.
    Process {
        /// Do everything but keep nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the outcome as JSON, reply included.
        #[arg(long)]
        json: bool,
    },
    /// Process many mails (files, directories, Maildirs, mbox files) and write each reply as a .eml file.
    Replay {
        /// Mails: files, directories (their .eml and .mbox files), Maildirs, mbox files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Where the replies are written.
        #[arg(long, value_name = "DIR", default_value = "outbox")]
        outbox: PathBuf,
        /// Do everything but keep nothing in the database (replies are still written).
        #[arg(long)]
        dry_run: bool,
    },
    /// Load the registry's existing objects from RPSL dump files (gzip accepted).
    Import {
        /// Dump files, plain or gzip-compressed.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write the registry (imported and approved objects) as an RPSL dump that `import` reads back.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Filter `auth:` password hashes, as public registry dumps do.
        #[arg(long)]
        public: bool,
    },
    /// Show the processing log, oldest first.
    Log {
        /// Only this ticket's events.
        #[arg(long, value_name = "TICKET")]
        ticket: Option<String>,
        /// Only events since this time: YYYY-MM-DD[ HH:MM[:SS]] (UTC) or an age such as 30m, 2h, 7d.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Keep watching for new events.
        #[arg(long, short)]
        follow: bool,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Watch the IMAP mailbox and answer by SMTP until SIGTERM or SIGINT (needs [imap] and [smtp]).
    Daemon,
    /// Connect to the configured IMAP and SMTP servers, log in, and say what is wrong.
    CheckConfig,
    /// Show a ticket: its state, AS numbers, every mail in and out, objects with real handles, handles and events.
    Show {
        /// The ticket tag, FR-...
        ticket: String,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
        /// Print the accepted request as the Resource Request API's AsnAssignment payload instead.
        #[arg(long, conflicts_with = "json")]
        request_json: bool,
    },
    /// Serve the Resource Request API (JSON over HTTP), the operators' console (/console/) and the
    /// public check page (/check) on [http] listen, until SIGTERM or SIGINT.
    Serve,
    /// Operators of the web console: add (asks for a password), remove, list.
    #[command(subcommand)]
    Operator(cli::operator::OperatorCommand),
    /// Make, list and revoke the keys of the Resource Request API.
    #[command(subcommand)]
    ApiKey(cli::api::KeyCommand),
    /// Pass an accepted request on to the upstream registry's API ([upstream_api]) and record its answer.
    ///
    /// Exits 0 when the upstream took it (the ticket is then forwarded), 1 when it refused it
    /// (its errors are recorded and printed), 75 when it could not be reached (tried again later).
    Forward {
        /// The ticket tag, FR-...
        ticket: String,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the open tickets, oldest first, with age, requester, as-name, neighbours and last activity.
    Queue {
        /// Only tickets in this state: rejected, pending-review, waiting-for-requester, approved, declined, forwarded.
        #[arg(long, value_name = "S")]
        state: Option<String>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Approve a request: assign its AS numbers, register its objects and send the requester the final mail.
    ///
    /// Exits 1, changing nothing, when the ticket is unknown, not pending review, or no number is free.
    Approve {
        /// The ticket tag, FR-...
        ticket: String,
        /// Assign this AS number (free, in a pool) instead of the lowest free one.
        #[arg(long, value_name = "ASN")]
        asn: Option<String>,
        /// A note for the requester, in the final mail.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Decline a request: the requester gets the reason, its handles are released.
    Decline {
        /// The ticket tag, FR-...
        ticket: String,
        /// Why, in words for the requester.
        #[arg(long, value_name = "TEXT", required = true)]
        reason: String,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ask the requester a question on the ticket; their answer moves it back to review.
    Ask {
        /// The ticket tag, FR-...
        ticket: String,
        /// The question.
        #[arg(long, value_name = "TEXT", required = true)]
        message: String,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    cli::pages::start_with_small_pages();
    match run(Cli::parse()) {
        Ok(code) => code,
        // `formrobot log | head`: the reader has all it wanted; that is a normal end.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("formrobot: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether the error is a write to a pipe whose reader has gone away.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let io_kind = cause.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
        let json_kind = cause.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind);
        io_kind.or(json_kind) == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    cli::init_logging(cli.log_format);
    let config = match cli::load_config(cli.config.as_deref()) {
        Ok(config) => config,
        // An MTA bounces a mail on exit 2; a broken configuration is the operator's to mend, so try later.
        Err(error) if matches!(cli.command, Command::Process { .. }) => {
            return Ok(cli::process::unreadable_configuration(&error));
        }
        Err(error) => return Err(error),
    };
    let operator = cli.operator;
    let context = cli::Context::new(cli.forms, cli.db, config, cli.today.as_deref())?;
    match cli.command {
        Command::Check { file, json, threads } => cli::check::run(&context, file.as_deref(), json, threads),
        Command::Process { dry_run, json } => Ok(cli::process::run(&context, dry_run, json)),
        Command::Replay { paths, outbox, dry_run } => cli::replay::run(&context, &paths, &outbox, dry_run),
        Command::Import { files } => cli::import::run(&context, &files),
        Command::Export { out, public } => cli::import::run_export(&context, out.as_deref(), public),
        Command::Log { ticket, since, follow, json } => {
            cli::log::run_log(&context, ticket, since.as_deref(), follow, json)
        }
        Command::Show { ticket, json, request_json: false } => cli::log::run_show(&context, &ticket, json),
        Command::Show { ticket, request_json: true, .. } => cli::forward::run_request_json(&context, &ticket),
        Command::Serve => cli::api::run_serve(&context),
        Command::Operator(command) => cli::operator::run(&context, command, &cli::review::operator_name(operator)),
        Command::ApiKey(command) => cli::api::run_key(&context, command, &cli::review::operator_name(operator)),
        Command::Forward { ticket, json } => {
            cli::forward::run(&context, &ticket, &cli::review::operator_name(operator), json)
        }
        Command::Queue { state, json } => cli::review::run_queue(&context, state.as_deref(), json),
        Command::Approve { ticket, asn, note, json } => {
            let action = cli::review::Action::Approve { ticket, asn, note };
            cli::review::run_action(&context, action, &cli::review::operator_name(operator), json)
        }
        Command::Decline { ticket, reason, json } => {
            let action = cli::review::Action::Decline { ticket, reason };
            cli::review::run_action(&context, action, &cli::review::operator_name(operator), json)
        }
        Command::Ask { ticket, message, json } => {
            let action = cli::review::Action::Ask { ticket, message };
            cli::review::run_action(&context, action, &cli::review::operator_name(operator), json)
        }
        Command::Daemon => cli::daemon::run(&context),
        Command::CheckConfig => cli::daemon::check_config(&context),
    }
}
