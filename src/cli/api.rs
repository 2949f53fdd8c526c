//! `formrobot serve` (the API, the console and the check page) and `formrobot api-key create|list|revoke`.

use super::Context;
use anyhow::{Context as _, Result};
use formrobot::daemon::smtp;
use formrobot::http::{self, Service};
use formrobot_engine::date::format_timestamp;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::sync::{watch, Notify};

/// What `api-key` does.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum KeyCommand {
    /// Make a key: it is printed once, and only its hash is kept.
    Create {
        /// A name for the key, to list and revoke it by (e.g. the LIR or application using it).
        name: String,
    },
    /// List the keys: names and dates, never the keys.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key: requests made with it are refused from now on.
    Revoke {
        /// The key's name.
        name: String,
    },
}

/// Runs an `api-key` command in `operator`'s name.
pub fn run_key(context: &Context, command: KeyCommand, operator: &str) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        KeyCommand::Create { name } => {
            let name = name.trim();
            if name.is_empty() || name.chars().any(|c| c.is_control()) {
                eprintln!("formrobot: error: a key's name must be a non-empty line of text");
                return Ok(ExitCode::from(2));
            }
            let key = new_key()?;
            let mut store = context.store()?;
            match store.create_api_key(name, &key, operator, context.now()) {
                Ok(_) => {}
                Err(formrobot_store::StoreError::Key(refused)) => {
                    eprintln!("formrobot: {refused}");
                    return Ok(ExitCode::from(1));
                }
                Err(error) => return Err(error.into()),
            }
            writeln!(out, "{key}")?;
            eprintln!("formrobot: made the API key '{name}'; it is shown only now, keep it safe");
        }
        KeyCommand::List { json } => {
            let keys = context.store_read_only()?.api_keys()?;
            if json {
                serde_json::to_writer_pretty(&mut out, &keys)?;
                writeln!(out)?;
            } else if keys.is_empty() {
                writeln!(out, "No API keys.")?;
            }
            for key in keys.iter().filter(|_| !json) {
                let revoked =
                    key.revoked_at.map(|at| format!("  revoked {}", format_timestamp(at))).unwrap_or_default();
                writeln!(out, "{}  made {}{revoked}", key.name, format_timestamp(key.created_at))?;
            }
        }
        KeyCommand::Revoke { name } => {
            let mut store = context.store()?;
            match store.revoke_api_key(&name, operator, context.now()) {
                Ok(_) => writeln!(out, "revoked the API key '{name}'")?,
                Err(formrobot_store::StoreError::Key(refused)) => {
                    eprintln!("formrobot: {refused}");
                    return Ok(ExitCode::from(1));
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A new key: `fr_` and 32 random bytes in hex, from the operating system's generator.
fn new_key() -> Result<String> {
    Ok(format!("fr_{}", formrobot::console::auth::new_token()?))
}

/// Serves the Resource Request API until SIGTERM or SIGINT; with `[smtp]`,
/// also sends the mail the requests queue.
pub fn run_serve(context: &Context) -> Result<ExitCode> {
    let mut config = context.config.clone();
    config.database = context.db_path().to_path_buf();
    let store = context.store()?;
    // One async thread accepts and speaks HTTP; the store's work runs on blocking threads.
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&config.http.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.http.listen))?;
        let address = listener.local_addr()?;
        let (stop, shutdown) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let sender = match &config.smtp {
            Some(smtp_config) => {
                let sender =
                    smtp::Sender::new(smtp_config, formrobot_store::Store::open(&config.database)?, wake.clone())?;
                Some(tokio::spawn(sender.run(shutdown)))
            }
            None => None,
        };
        let forms = context.forms()?;
        let service = Arc::new(Service::new(store, &config, forms, sender.as_ref().map(|_| wake), context.fixed_now()));
        // The address goes to standard output, so that a caller that asked for port 0 learns the port.
        println!("listening on {address}");
        std::io::stdout().flush()?;
        tracing::info!(%address, "serving the Resource Request API");
        http::serve(listener, service, formrobot::daemon::wait_for_signal()).await?;
        let _ = stop.send(true);
        if let Some(sender) = sender {
            let _ = sender.await;
        }
        tracing::info!("stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
