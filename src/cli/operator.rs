//! `formrobot operator add|remove|list`: the console's operator accounts.
//! A password is asked for on the terminal (twice, not echoed) or read
//! from standard input with `--password-stdin`; only its argon2 hash is kept.

use super::Context;
use anyhow::{Context as _, Result};
use formrobot::console::auth::hash_password;
use formrobot_engine::date::format_timestamp;
use formrobot_store::StoreError;
use std::io::{BufRead, IsTerminal, Write};
use std::process::{Command, ExitCode};

/// What `operator` does.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum OperatorCommand {
    /// Add an operator who may log in to the console (asks for the password).
    Add {
        /// The name they log in with; their actions are recorded under it.
        name: String,
        /// Read the password from the first line of standard input instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove an operator; their sessions end at once.
    Remove {
        /// The operator's name.
        name: String,
    },
    /// List the operators (names and dates; never passwords or hashes).
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Passwords shorter than this are refused: the console may face a network.
const MIN_PASSWORD_CHARS: usize = 10;

/// Runs an `operator` command in `by`'s name.
pub fn run(context: &Context, command: OperatorCommand, by: &str) -> Result<ExitCode> {
    match command {
        OperatorCommand::Add { name, password_stdin } => {
            let name = name.trim();
            if name.is_empty() || name.len() > 64 || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
                eprintln!("formrobot: error: an operator's name is one word of at most 64 characters");
                return Ok(ExitCode::from(2));
            }
            let password = if password_stdin { password_from_stdin()? } else { password_from_terminal()? };
            if password.chars().count() < MIN_PASSWORD_CHARS {
                eprintln!("formrobot: error: the password must have at least {MIN_PASSWORD_CHARS} characters");
                return Ok(ExitCode::FAILURE);
            }
            let hash = hash_password(&password)?;
            match context.store()?.add_operator(name, &hash, by, context.now()) {
                Ok(()) => eprintln!("formrobot: added the operator '{name}'"),
                Err(StoreError::Account(refused)) => {
                    eprintln!("formrobot: error: {refused}");
                    return Ok(ExitCode::FAILURE);
                }
                Err(error) => return Err(error.into()),
            }
        }
        OperatorCommand::Remove { name } => match context.store()?.remove_operator(&name, by, context.now()) {
            Ok(()) => eprintln!("formrobot: removed the operator '{name}'; their sessions ended"),
            Err(StoreError::Account(refused)) => {
                eprintln!("formrobot: error: {refused}");
                return Ok(ExitCode::FAILURE);
            }
            Err(error) => return Err(error.into()),
        },
        OperatorCommand::List { json } => {
            let operators = context.store_read_only()?.operators()?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &operators)?;
                writeln!(out)?;
            } else if operators.is_empty() {
                writeln!(out, "No operators.")?;
            } else {
                for operator in &operators {
                    writeln!(out, "{}  added {}", operator.name, format_timestamp(operator.created_at))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line of standard input, without its line end.
fn password_from_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Asks for the password twice on the terminal, with echo off (`stty`, so
/// that no terminal library is needed for one prompt).
fn password_from_terminal() -> Result<String> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("standard input is not a terminal: give the password with --password-stdin");
    }
    let ask = |prompt: &str| -> Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        let _ = Command::new("stty").arg("-echo").status();
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        let _ = Command::new("stty").arg("echo").status();
        eprintln!();
        read.context("cannot read the password")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    };
    let first = ask("Password: ")?;
    let again = ask("The same password again: ")?;
    if first != again {
        anyhow::bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}
