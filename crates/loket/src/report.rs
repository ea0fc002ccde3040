//! `loket report`: the monthly service-level report of one customer, or of all, as CSV, JSON
//! or a printable HTML file (A4, Dutch by default).

use std::sync::Arc;

use clap::{Args, ValueEnum};
use desk::clock::SystemClock;
use desk::i18n::Tr;
use desk::{Desk, DeskError};
use store::{Scope, Store};

use crate::database::redact;
use crate::{Failure, write_stdout};

/// Options of `loket report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    db: crate::database::DatabaseArg,
    /// The month, YYYY-MM (in Europe/Amsterdam).
    #[arg(long, value_name = "YYYY-MM")]
    month: String,
    /// The customer, by name (default: every customer, and all together).
    #[arg(long, value_name = "NAME")]
    customer: Option<String>,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Compute the month from the tickets now, even when it is published (frozen).
    #[arg(long)]
    live: bool,
    /// The language of the HTML report.
    #[arg(long, value_enum, default_value_t = ReportLang::Nl)]
    lang: ReportLang,
}

/// A language of the printable report.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportLang {
    /// Dutch.
    Nl,
    /// English.
    En,
}

/// An export format.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// One line per target; for one customer then its compensation rows.
    Csv,
    /// The whole report.
    Json,
    /// The printable report, one self-contained HTML file.
    Html,
}

/// Runs `loket report`.
pub fn command(args: ReportArgs) -> Result<(), Failure> {
    let month: sla::Month = args
        .month
        .trim()
        .parse()
        .map_err(|e: String| Failure::User(anyhow::anyhow!("--month: {e}")))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Io(e.into()))?;
    let text = runtime.block_on(async {
        // Never create a database by asking for a report on it.
        if let Some(path) = sqlite_path(&args.db.database)
            && !std::path::Path::new(path).exists()
        {
            return Err(Failure::User(anyhow::anyhow!(
                "the database {} does not exist",
                redact(&args.db.database)
            )));
        }
        let store = args.db.open().await.map_err(Failure::Io)?;
        let result = report(&store, month, &args).await;
        store.close().await;
        result
    })?;
    write_stdout(&text)
}

fn sqlite_path(url: &str) -> Option<&str> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .or(Some(url))
        .filter(|p| *p != ":memory:")
}

async fn report(store: &Store, month: sla::Month, args: &ReportArgs) -> Result<String, Failure> {
    let customer = args.customer.as_deref();
    let internal = |e: DeskError| Failure::Io(anyhow::anyhow!("{e}"));
    let org = match customer {
        None => None,
        Some(name) => {
            let orgs = store
                .list_orgs(&Scope::System)
                .await
                .map_err(|e| Failure::Io(e.into()))?;
            let wanted = name.trim().to_lowercase();
            let found = orgs
                .iter()
                .find(|o| o.name.to_lowercase() == wanted)
                .ok_or_else(|| {
                    let known: Vec<&str> = orgs.iter().map(|o| o.name.as_str()).collect();
                    Failure::User(anyhow::anyhow!(
                        "no customer is called `{name}`; customers: {}",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ))
                })?;
            Some(found.id)
        }
    };
    let state = Desk::new(store.clone(), Arc::new(SystemClock));
    let report = state
        .report_as(&Scope::System, org, month, args.live)
        .await
        .map_err(internal)?;
    Ok(match args.format {
        Format::Html => {
            let t = Tr::for_code(match args.lang {
                ReportLang::Nl => "nl",
                ReportLang::En => "en",
            });
            let (trend, agreement) = state
                .printable_context(&Scope::System, &report)
                .await
                .map_err(internal)?;
            render::report::printable(&report, t, &trend, &agreement.calendar, true)
        }
        Format::Csv => report.to_csv(),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&report).map_err(|e| Failure::Io(e.into()))?;
            s.push('\n');
            s
        }
    })
}
