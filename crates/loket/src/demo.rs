//! `loket demo` (and `loket serve --demo`): fills an empty database with a year of demo data.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use desk::clock::FixedClock;
use desk::demo::{DEFAULT_SEED, DEMO_ADMIN_EMAIL, DEMO_PASSWORD, DemoOptions, DemoSummary};
use desk::{Desk, DeskError};
use jiff::Timestamp;
use store::Store;

use crate::Failure;
use crate::database::say;

/// Options of `loket demo` (the database must hold no customers and no tickets yet).
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    db: crate::database::DatabaseArg,
    /// Seed of the generator: the same seed and `--until` give the same data.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// The end of the year of history, RFC 3339 (default: now).
    #[arg(long, value_name = "INSTANT")]
    until: Option<String>,
    /// The demo administrator's e-mail address (when the database has no administrator yet).
    #[arg(long, env = "LOKET_ADMIN_EMAIL", default_value = DEMO_ADMIN_EMAIL)]
    admin_email: String,
}

/// Runs `loket demo`.
pub fn command(args: DemoArgs) -> Result<(), Failure> {
    let until = args
        .until
        .as_deref()
        .map(|s| -> anyhow::Result<Timestamp> {
            let second = sla::rfc3339::parse(s.trim()).context("--until")?;
            Timestamp::from_second(second).context("--until")
        })
        .transpose()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Io(e.into()))?;
    runtime.block_on(async {
        let store = args.db.open().await?;
        let result = fill(
            &store,
            DemoOptions {
                seed: args.seed,
                until,
                admin_email: args.admin_email,
                ..DemoOptions::default()
            },
        )
        .await;
        store.close().await;
        result
    })
}

/// `loket serve --demo`: fills the database when it is empty, says so when it is not.
pub async fn on_serve(store: &Store, admin_email: &str) -> Result<(), Failure> {
    if let Err(e) = desk::demo::check_empty(store).await {
        say(&format!("--demo: nothing added ({})", reason(e)));
        return Ok(());
    }
    fill(
        store,
        DemoOptions {
            admin_email: admin_email.to_string(),
            ..DemoOptions::default()
        },
    )
    .await
}

/// Fills the store on a clock of its own and reports what it made and how to sign in.
async fn fill(store: &Store, opts: DemoOptions) -> Result<(), Failure> {
    let clock = Arc::new(FixedClock::new(opts.until.unwrap_or_else(Timestamp::now)));
    let state = Desk::new(store.clone(), clock.clone());
    desk::demo::check_empty(store)
        .await
        .map_err(|e| Failure::User(anyhow::anyhow!("demo data: {}", reason(e))))?;
    say("Filling the database with demo data (a year of a service desk) …");
    let started = Instant::now();
    let summary = desk::demo::fill(&state, &clock, opts)
        .await
        .map_err(|e| Failure::User(anyhow::anyhow!("demo data: {}", reason(e))))?;
    say(&format!(
        "{summary}\nDone in {:.1} s.",
        started.elapsed().as_secs_f64()
    ));
    say(&sign_in(&summary));
    Ok(())
}

/// How to sign in, and a clear word that the password is shared demo data.
fn sign_in(s: &DemoSummary) -> String {
    let admin = if s.admin_created {
        format!(
            "Sign in as the administrator {} with the password {DEMO_PASSWORD}.",
            s.admin_email
        )
    } else {
        format!(
            "Sign in as the existing administrator {} with their own password.",
            s.admin_email
        )
    };
    format!(
        "{admin}\nTHIS IS DEMO DATA: every demo person (agents, service manager, customer \
         administrators and viewers, e.g. the addresses under mextra.example and dalfsen.example) \
         shares the password {DEMO_PASSWORD}. Never use this database for real customers."
    )
}

/// The detail of an error, also of an internal one (the command line is not a client).
fn reason(e: DeskError) -> String {
    match e {
        DeskError::Internal(e) => format!("{e:#}"),
        e => e.to_string(),
    }
}
