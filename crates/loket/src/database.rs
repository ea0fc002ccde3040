//! What every command shares: the `--database` option and plain output lines.

use std::io::{self, Write};

use anyhow::Context;
use clap::Args;
use store::Store;

/// Writes one line to standard output (a closed pipe is not an error worth stopping for).
pub(crate) fn say(line: &str) {
    let _ = writeln!(io::stdout().lock(), "{line}");
}

/// The `--database` option of every command that opens the service desk's database.
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// The database: `sqlite:PATH` or `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(
        long,
        env = "LOKET_DATABASE",
        default_value = "sqlite:loket.db",
        hide_env_values = true
    )]
    pub database: String,
}

impl DatabaseArg {
    /// Opens the database, creating and migrating it when needed.
    pub async fn open(&self) -> anyhow::Result<Store> {
        Store::connect(&self.database)
            .await
            .with_context(|| format!("cannot open the database {}", redact(&self.database)))
    }
}

/// The database URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
