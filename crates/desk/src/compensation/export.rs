//! The ledger export for invoicing: one month's discount entries and their reversals, checked
//! and added up by the engine, as JSON-able values and as CSV in two dialects.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use serde::{Deserialize, Serialize};
use sla::Month;
use sla::compensation::{DiscountEntry, LedgerEntry, ReversalEntry, sum_ledger};
use store::DiscountRecord;

use super::parse_month;
use crate::time::rfc3339;
use crate::{Caller, Desk, DeskError};

/// One line of the ledger: a discount, or the reversal of one (with a negative amount).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerLine {
    /// `discount` or `reversal`.
    pub kind: String,
    /// The discount entry (for a reversal: the entry it undoes).
    pub entry_id: i64,
    /// The reversal entry, for a reversal.
    pub reversal_id: Option<i64>,
    /// The customer.
    pub organization_id: i64,
    /// Its name.
    pub customer: String,
    /// The escalation the discount belongs to.
    pub escalation_id: i64,
    /// The subscription invoice, `YYYY-MM`.
    pub invoice_month: String,
    /// The discount in whole percent.
    pub percent: i64,
    /// The monthly subscription fee in force for that month, euro cents.
    pub fee_cents: i64,
    /// The amount, euro cents: the discount, or minus it for a reversal.
    pub amount_cents: i64,
    /// The overrun month it rests on, `YYYY-MM`.
    pub overrun_month: String,
    /// SHA-256 of the published report that shows that overrun (absent: live figures).
    pub report_sha256: Option<String>,
    /// Why it was reversed.
    pub reason: Option<String>,
    /// When it was booked (RFC 3339).
    pub booked_at: String,
}

/// What a customer's discounts on the month's invoice add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerTotal {
    /// The customer.
    pub organization_id: i64,
    /// Its name.
    pub customer: String,
    /// The standing discount, euro cents.
    pub amount_cents: i64,
}

/// One invoice month of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerExport {
    /// The invoice month, `YYYY-MM`.
    pub invoice_month: String,
    /// Every discount on the month's invoices and every reversal of one, in booking order.
    pub lines: Vec<LedgerLine>,
    /// The standing discount per customer.
    pub totals: Vec<CustomerTotal>,
    /// All standing discounts together, euro cents.
    pub total_cents: i64,
}

/// The CSV dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsvDialect {
    /// RFC 4180: `,` between fields, `.` in amounts, CRLF line ends.
    Rfc4180,
    /// The Dutch spreadsheet dialect: a UTF-8 byte-order mark, `;` between fields, a decimal
    /// comma in amounts, CRLF line ends.
    Nl,
}

/// The lines of one entry: the discount and, when undone, its reversal.
pub(crate) fn lines_of(d: &DiscountRecord, customer: &str) -> Vec<LedgerLine> {
    let line = LedgerLine {
        kind: "discount".into(),
        entry_id: d.id.0,
        reversal_id: None,
        organization_id: d.org_id.0,
        customer: customer.to_string(),
        escalation_id: d.escalation_id.0,
        invoice_month: d.invoice_month.clone(),
        percent: d.percent,
        fee_cents: d.fee_cents,
        amount_cents: d.amount_cents,
        overrun_month: d.overrun_month.clone(),
        report_sha256: d.report_sha256.clone(),
        reason: None,
        booked_at: rfc3339(d.created_at),
    };
    let mut out = vec![line.clone()];
    if let Some(r) = &d.reversal {
        out.push(LedgerLine {
            kind: "reversal".into(),
            reversal_id: Some(r.id.0),
            amount_cents: -d.amount_cents,
            reason: Some(r.reason.clone()),
            booked_at: rfc3339(r.created_at),
            ..line
        });
    }
    out
}

fn engine_entries(entries: &[&DiscountRecord]) -> Result<Vec<LedgerEntry>, DeskError> {
    let u = |v: i64| u64::try_from(v).map_err(|_| DeskError::internal("negative ledger value"));
    let mut out = Vec::new();
    let mut reversals = Vec::new();
    for d in entries {
        let id = u(d.id.0)? * 2;
        out.push(LedgerEntry::Discount(DiscountEntry {
            id,
            invoice_month: parse_month(&d.invoice_month)?,
            percent: u32::try_from(d.percent).map_err(|_| DeskError::internal("percent"))?,
            fee_cents: u(d.fee_cents)?,
            amount_cents: u(d.amount_cents)?,
            overrun_month: parse_month(&d.overrun_month)?,
            report_hash: d.report_sha256.clone(),
        }));
        if let Some(r) = &d.reversal {
            reversals.push((
                r.created_at,
                LedgerEntry::Reversal(ReversalEntry {
                    id: u(r.id.0)? * 2 + 1,
                    reverses: id,
                    reason: r.reason.clone(),
                }),
            ));
        }
    }
    reversals.sort_by_key(|(at, _)| *at);
    out.extend(reversals.into_iter().map(|(_, r)| r));
    Ok(out)
}

/// What one customer's entries (of one invoice month) add up to, checked by the engine: the
/// discounts less the reversed ones, euro cents.
pub(crate) fn standing_cents(org: i64, entries: &[&DiscountRecord]) -> Result<i64, DeskError> {
    let sum = sum_ledger(&engine_entries(entries)?)
        .map_err(|e| DeskError::internal(format!("ledger of customer {org}: {e}")))?;
    i64::try_from(sum.total_cents).map_err(|_| DeskError::internal("ledger total out of range"))
}

/// The lines of entries in booking order (a reversal when it was booked), as the export lists
/// them.
pub(crate) fn booked_lines(
    entries: &[DiscountRecord],
    name: impl Fn(i64) -> String,
) -> Vec<LedgerLine> {
    let mut lines: Vec<LedgerLine> = entries
        .iter()
        .flat_map(|d| lines_of(d, &name(d.org_id.0)))
        .collect();
    lines.sort_by(|a, b| (&a.booked_at, a.entry_id).cmp(&(&b.booked_at, b.entry_id)));
    lines
}

impl Desk {
    /// One invoice month of the ledger: the vendor sees every customer, a customer its own.
    pub async fn ledger_export(
        &self,
        caller: &Caller,
        month: Month,
    ) -> Result<LedgerExport, DeskError> {
        let key = month.to_string();
        let entries = self.store.ledger(&caller.scope, None, Some(&key)).await?;
        let names: HashMap<i64, String> = self
            .store
            .list_orgs(&caller.scope)
            .await?
            .into_iter()
            .map(|o| (o.id.0, o.name))
            .collect();
        let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
        let mut per_org: BTreeMap<i64, Vec<&DiscountRecord>> = BTreeMap::new();
        for e in &entries {
            per_org.entry(e.org_id.0).or_default().push(e);
        }
        let mut totals = Vec::new();
        let mut total_cents = 0i64;
        for (org, list) in &per_org {
            let cents = standing_cents(*org, list)?;
            total_cents += cents;
            totals.push(CustomerTotal {
                organization_id: *org,
                customer: name(*org),
                amount_cents: cents,
            });
        }
        let lines = booked_lines(&entries, name);
        Ok(LedgerExport {
            invoice_month: key,
            lines,
            totals,
            total_cents,
        })
    }
}

/// The header of the ledger CSV.
pub const LEDGER_COLUMNS: [&str; 13] = [
    "kind",
    "entry_id",
    "reversal_id",
    "organization_id",
    "customer",
    "escalation_id",
    "invoice_month",
    "percent",
    "fee_eur",
    "amount_eur",
    "overrun_month",
    "report_sha256",
    "reason",
];

/// Cents as euros with two decimals and the dialect's decimal mark (`-12.50`, `1250,00`).
pub fn euros(cents: i64, mark: char) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}{mark}{:02}", abs / 100, abs % 100)
}

/// One text field: defused when a spreadsheet would run it as a formula, quoted when needed.
fn field(s: &str, sep: char) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([sep, '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

impl LedgerExport {
    /// The lines as CSV in a dialect, with a header.
    pub fn to_csv(&self, dialect: CsvDialect) -> String {
        let (sep, mark, bom) = match dialect {
            CsvDialect::Rfc4180 => (',', '.', ""),
            CsvDialect::Nl => (';', ',', "\u{feff}"),
        };
        let mut out = String::from(bom);
        out.push_str(&LEDGER_COLUMNS.join(&sep.to_string()));
        out.push_str("\r\n");
        for l in &self.lines {
            let cells = [
                field(&l.kind, sep),
                l.entry_id.to_string(),
                l.reversal_id.map(|r| r.to_string()).unwrap_or_default(),
                l.organization_id.to_string(),
                field(&l.customer, sep),
                l.escalation_id.to_string(),
                l.invoice_month.clone(),
                l.percent.to_string(),
                euros(l.fee_cents, mark),
                euros(l.amount_cents, mark),
                l.overrun_month.clone(),
                l.report_sha256.clone().unwrap_or_default(),
                field(l.reason.as_deref().unwrap_or(""), sep),
            ];
            let _ = write!(out, "{}\r\n", cells.join(&sep.to_string()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dialects() {
        let line = LedgerLine {
            kind: "reversal".into(),
            entry_id: 7,
            reversal_id: Some(2),
            organization_id: 3,
            customer: "Bakkerij \"De Bolder\"; Zwolle".into(),
            escalation_id: 1,
            invoice_month: "2026-08".into(),
            percent: 5,
            fee_cents: 125_050,
            amount_cents: -6_252,
            overrun_month: "2026-03".into(),
            report_sha256: None,
            reason: Some("=dubbel, geboekt".into()),
            booked_at: "2026-08-01T00:00:00Z".into(),
        };
        let export = LedgerExport {
            invoice_month: "2026-08".into(),
            lines: vec![line],
            totals: vec![],
            total_cents: 0,
        };
        let rfc = export.to_csv(CsvDialect::Rfc4180);
        assert!(rfc.starts_with("kind,entry_id,"));
        assert!(rfc.ends_with(
            "reversal,7,2,3,\"Bakkerij \"\"De Bolder\"\"; Zwolle\",1,2026-08,5,1250.50,-62.52,2026-03,,\"'=dubbel, geboekt\"\r\n"
        ), "{rfc}");
        let nl = export.to_csv(CsvDialect::Nl);
        assert!(nl.starts_with("\u{feff}kind;entry_id;"));
        assert!(nl.ends_with(
            "reversal;7;2;3;\"Bakkerij \"\"De Bolder\"\"; Zwolle\";1;2026-08;5;1250,50;-62,52;2026-03;;'=dubbel, geboekt\r\n"
        ), "{nl}");
        assert_eq!(euros(5, '.'), "0.05");
        assert_eq!(euros(-5, ','), "-0,05");
    }
}
