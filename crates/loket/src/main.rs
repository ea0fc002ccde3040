//! The loket command line: SLA deadlines in bulk, readable SLA timelines, and holiday calendars.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod database;
mod deadlines;
mod demo;
mod explain;
mod holidays;
mod mail;
mod policy;
mod report;
mod serve;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit code for every mistake of the user: bad arguments, bad input, bad policy file.
const EXIT_USAGE: u8 = 2;
/// Exit code when the input or output itself failed (not the user's data).
const EXIT_IO: u8 = 1;
/// Exit code when a resource (the database) is away for now: try again later (EX_TEMPFAIL).
const EXIT_TEMPFAIL: u8 = 75;

/// The loket service desk.
#[derive(Debug, Parser)]
#[command(
    name = "loket",
    version,
    about = "The loket service desk",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Service level agreement: deadlines and timelines.
    #[command(subcommand)]
    Sla(SlaCommand),
    /// The business calendar.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Runs the service desk (JSON API) on a database, creating it when needed.
    Serve(serve::ServeArgs),
    /// Fills an empty database with a year of demo data: customers, people and tickets.
    Demo(demo::DemoArgs),
    /// Prints the monthly service-level report of a customer, or of all, as CSV or JSON.
    Report(report::ReportArgs),
    /// Incoming mail.
    #[command(subcommand)]
    Mail(MailCommand),
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// Takes one raw message on stdin (for a mail server's pipe): exit 0 when stored, 2 on bad
    /// input, 75 when the database is away (the mail server retries).
    Ingest(mail::IngestArgs),
}

#[derive(Debug, Subcommand)]
enum SlaCommand {
    /// Reads `opened_at,business_seconds` CSV on stdin and writes each line with its deadline.
    Deadlines(DeadlinesArgs),
    /// Shows when a ticket's clock starts and when each target of the agreement falls due.
    Explain(ExplainArgs),
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Lists public holidays and closing days as `date,name` CSV.
    Holidays(HolidaysArgs),
}

/// The `--policy` option every command shares.
#[derive(Debug, Args)]
struct PolicyArg {
    /// A customer policy file (TOML) laid over the standard agreement.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct DeadlinesArgs {
    #[command(flatten)]
    policy: PolicyArg,
}

#[derive(Debug, Args)]
struct ExplainArgs {
    /// When the ticket was received, RFC 3339 (e.g. 2026-11-27T18:15:00+01:00).
    #[arg(long, value_name = "INSTANT")]
    opened: String,
    /// The ticket's kind.
    #[arg(long, value_enum)]
    kind: Kind,
    /// The incident's priority (incidents only).
    #[arg(long, value_enum)]
    priority: Option<PriorityArg>,
    /// The language of the timeline.
    #[arg(long, value_enum, default_value_t = LangArg::Nl)]
    lang: LangArg,
    #[command(flatten)]
    policy: PolicyArg,
}

#[derive(Debug, Args)]
struct HolidaysArgs {
    /// First year, 1970–2200.
    #[arg(long, value_name = "YEAR", allow_hyphen_values = true)]
    from: i64,
    /// Last year, 1970–2200 (defaults to `--from`).
    #[arg(long, value_name = "YEAR", allow_hyphen_values = true)]
    to: Option<i64>,
    #[command(flatten)]
    policy: PolicyArg,
}

/// A ticket kind on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    /// A disruption; needs a priority.
    Incident,
    /// A user-support question.
    Question,
    /// A request for change.
    Rfc,
}

impl From<Kind> for sla::TicketKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Incident => sla::TicketKind::Incident,
            Kind::Question => sla::TicketKind::Question,
            Kind::Rfc => sla::TicketKind::Rfc,
        }
    }
}

/// An incident priority on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum PriorityArg {
    /// Working is impossible.
    Urgent,
    /// Working is seriously hindered.
    High,
    /// A difficult situation, delay acceptable.
    Normal,
    /// Delay is possible.
    Low,
}

impl From<PriorityArg> for sla::Priority {
    fn from(p: PriorityArg) -> Self {
        match p {
            PriorityArg::Urgent => sla::Priority::Urgent,
            PriorityArg::High => sla::Priority::High,
            PriorityArg::Normal => sla::Priority::Normal,
            PriorityArg::Low => sla::Priority::Low,
        }
    }
}

/// A language on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum LangArg {
    /// Dutch.
    Nl,
    /// English.
    En,
}

impl From<LangArg> for sla::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Nl => sla::Lang::Nl,
            LangArg::En => sla::Lang::En,
        }
    }
}

/// How a command ended when it did not simply succeed.
#[derive(Debug)]
enum Failure {
    /// A mistake of the user, already reported in detail (bad lines): exit 2, nothing more to say.
    Reported,
    /// A mistake of the user: exit 2 with this message.
    User(anyhow::Error),
    /// Reading input or writing output failed: exit 1 with this message.
    Io(anyhow::Error),
    /// A resource is away for now (the database): exit 75 with this message.
    Temporary(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::User(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sla(SlaCommand::Deadlines(a)) => deadlines::command(a.policy.policy.as_deref()),
        Command::Sla(SlaCommand::Explain(a)) => explain::command(&explain::Request {
            opened: &a.opened,
            kind: a.kind.into(),
            priority: a.priority.map(Into::into),
            lang: a.lang.into(),
            policy: a.policy.policy.as_deref(),
        }),
        Command::Calendar(CalendarCommand::Holidays(a)) => {
            holidays::command(a.from, a.to.unwrap_or(a.from), a.policy.policy.as_deref())
        }
        Command::Serve(a) => serve::command(a),
        Command::Demo(a) => demo::command(a),
        Command::Report(a) => report::command(a),
        Command::Mail(MailCommand::Ingest(a)) => mail::ingest(a),
    };
    let (code, message) = match result {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Failure::Reported) => return ExitCode::from(EXIT_USAGE),
        Err(Failure::User(e)) => (EXIT_USAGE, e),
        Err(Failure::Temporary(e)) => (EXIT_TEMPFAIL, e),
        Err(Failure::Io(e)) => {
            if let Some(io) = e.downcast_ref::<io::Error>()
                && io.kind() == io::ErrorKind::BrokenPipe
            {
                // The reader went away (e.g. `| head`): nothing is wrong with the data.
                return ExitCode::SUCCESS;
            }
            (EXIT_IO, e)
        }
    };
    // Never panic on a closed stderr: the exit code still tells.
    let _ = writeln!(io::stderr().lock(), "loket: error: {message:#}");
    ExitCode::from(code)
}

/// Writes a whole text to stdout, mapping failures to [`Failure::Io`].
fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Io(anyhow::Error::new(e).context("cannot write to stdout")))
}
