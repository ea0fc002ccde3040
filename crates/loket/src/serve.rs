//! `loket serve`: the service desk on SQLite (default `./loket.db`) or PostgreSQL.

use std::io::{self, BufRead, IsTerminal};
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use desk::clock::SystemClock;
use store::{NewPerson, Role};
use web::{AppState, Config};

use crate::Failure;
use crate::database::say;

/// Options of `loket serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    db: crate::database::DatabaseArg,
    /// Address to listen on.
    #[arg(long, env = "LOKET_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// On an empty database: the e-mail address of the first administrator. The password is
    /// read from stdin when it is not a terminal, else generated and printed once.
    #[arg(
        long,
        env = "LOKET_ADMIN_EMAIL",
        default_value = "admin@loket.localhost"
    )]
    admin_email: String,
    /// Mark cookies Secure and send HSTS (when served behind HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// Address ranges of reverse proxies whose `X-Forwarded-For` names the client (e.g.
    /// `10.0.0.0/8`); repeat or separate with commas. Without one, the connection's address
    /// is the client's.
    #[arg(
        long = "trusted-proxy",
        env = "LOKET_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<web::proxy::Net>,
    /// On an empty database: fill it with a year of demo data first (every demo person,
    /// the administrator `--admin-email` included, gets the password `demo-wachtwoord-2026`).
    #[arg(long)]
    demo: bool,
    /// The bearer secret of `POST /api/v1/mail/inbound` (raw MIME from the mail server);
    /// without it that endpoint answers 401.
    #[arg(long, env = "LOKET_INBOUND_SECRET", hide_env_values = true)]
    inbound_secret: Option<String>,
    #[command(flatten)]
    mail: crate::mail::MailSettingsArgs,
}

/// Runs the server until interrupted.
pub fn command(args: ServeArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Io(e.into()))?;
    runtime.block_on(run(args))
}

/// Logs to stderr; `RUST_LOG` (e.g. `info,web=debug`) selects what, `warn` by default.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .try_init();
}

async fn run(args: ServeArgs) -> Result<(), Failure> {
    init_logging();
    let mail_settings = args.mail.settings()?;
    let store = args.db.open().await?;
    if args.demo {
        crate::demo::on_serve(&store, &args.admin_email).await?;
    }
    let state = AppState::new(
        store.clone(),
        Arc::new(SystemClock),
        Config {
            secure_cookies: args.secure_cookies,
            trusted_proxies: args.trusted_proxies.clone(),
            inbound_secret: args.inbound_secret.clone().filter(|s| !s.is_empty()),
            links: desk::notify::Links::from_env(),
            ..Config::default()
        },
    );
    state.set_inbound_settings(mail_settings);
    first_run(&state, &args.admin_email).await?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| Failure::Io(e.into()))?;
    say(&format!(
        "loket serves on http://{addr}/ (API http://{addr}/api/v1, document http://{addr}/api/openapi.json) using {}",
        store.backend()
    ));
    web::serve(listener, state)
        .await
        .map_err(|e| Failure::Io(e.into()))?;
    store.close().await;
    Ok(())
}

/// On an empty database, creates the vendor administrator.
async fn first_run(state: &AppState, email: &str) -> Result<(), Failure> {
    if state
        .store
        .count_people()
        .await
        .map_err(anyhow::Error::new)?
        > 0
    {
        return Ok(());
    }
    let stdin = io::stdin();
    let (password, generated) = if stdin.is_terminal() {
        (
            desk::access::new_secret().map_err(|e| anyhow::anyhow!("{e}"))?[..20].to_string(),
            true,
        )
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Io(e.into()))?;
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            (
                desk::access::new_secret().map_err(|e| anyhow::anyhow!("{e}"))?[..20].to_string(),
                true,
            )
        } else {
            (line, false)
        }
    };
    if password.chars().count() < 12 {
        return Err(Failure::User(anyhow::anyhow!(
            "the administrator password read from stdin has fewer than 12 characters"
        )));
    }
    let hash = desk::access::hash_password(password.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (person, _) = state
        .create_person(
            None,
            NewPerson {
                email: email.to_string(),
                name: "Beheerder".into(),
                role: Role::Admin,
                org_id: None,
                lang: "nl".into(),
                password_hash: Some(hash),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("cannot create the administrator: {e}"))?;
    if generated {
        say(&format!(
            "First start: administrator {} created with password {password} (shown once; sign in with POST /api/v1/session)",
            person.email
        ));
    } else {
        say(&format!(
            "First start: administrator {} created with the password from stdin",
            person.email
        ));
    }
    Ok(())
}
