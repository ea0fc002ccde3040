//! Publishing a month's report: frozen as published, with its SHA-256; later changes to a
//! published month's figures appear as corrections in the reports after it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sla::Month;
use store::{OrgId, Organization, Role, Scope};

use super::{MonthlyReport, ReportSection, sections};
use crate::Caller;
use crate::Desk;
use crate::DeskError;
use crate::access::hex;
use crate::i18n::Tr;
use crate::notify::escape_html;
use crate::time::ms;
use crate::time::rfc3339;

/// How many earlier published months a report compares for corrections.
pub const CORRECTION_MONTHS: u32 = 24;

/// When and by whom a report was frozen, and the hash of what was frozen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Publication {
    /// When it was published (RFC 3339).
    pub published_at: String,
    /// Who published it (a person id).
    pub published_by: i64,
    /// SHA-256 (hexadecimal) of the report as frozen: its JSON without this publication and
    /// the live `compensation` section after it.
    pub sha256: String,
}

/// A figure of an earlier, published month that has changed since it was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CorrectionLine {
    /// The published month corrected, `YYYY-MM`.
    pub month: String,
    /// The customer; absent for all customers together.
    pub organization_id: Option<i64>,
    /// The customer's name, or `all customers`.
    pub customer: String,
    /// `incident`, `question` or `rfc`.
    pub kind: String,
    /// The incident priority.
    pub priority: Option<String>,
    /// Index of the bound.
    pub bound: i64,
    /// The bound's percent, in basis points.
    pub percent_bp: u32,
    /// The time the bound allows.
    pub within: String,
    /// Met as last published (in the month's report or a later correction).
    pub published_met: u32,
    /// Missed as last published.
    pub published_missed: u32,
    /// Met now.
    pub met: u32,
    /// Missed now.
    pub missed: u32,
}

/// The hash a report is published under: SHA-256 of its JSON body.
pub fn sha256_hex(body: &str) -> String {
    hex(&Sha256::digest(body.as_bytes()))
}

/// Which line of which section: customer (None: all), kind, priority, bound, percent, within.
type Key = (Option<i64>, String, Option<String>, i64, u32, String);

fn lines(sections: &[ReportSection]) -> BTreeMap<Key, (u32, u32, String)> {
    let mut out = BTreeMap::new();
    for s in sections {
        for t in &s.targets {
            out.insert(
                (
                    s.organization_id,
                    t.kind.clone(),
                    t.priority.clone(),
                    t.bound,
                    t.percent_bp,
                    t.within.clone(),
                ),
                (t.met, t.missed, s.customer.clone()),
            );
        }
    }
    out
}

/// Parses a stored report body and checks it against its hash.
pub(crate) fn frozen(p: &store::PublishedReport) -> Result<MonthlyReport, DeskError> {
    if sha256_hex(&p.body) != p.sha256 {
        return Err(DeskError::Internal(anyhow::anyhow!(
            "the published report of {} no longer matches its hash",
            p.month
        )));
    }
    let mut report: MonthlyReport = serde_json::from_str(&p.body)
        .map_err(|e| DeskError::Internal(anyhow::anyhow!("published report {}: {e}", p.month)))?;
    report.publication = Some(Publication {
        published_at: rfc3339(p.published_at),
        published_by: p.published_by.0,
        sha256: p.sha256.clone(),
    });
    // Never frozen: the live section is added by whoever serves the report.
    report.compensation = None;
    Ok(report)
}

impl Desk {
    /// The report of a month as the caller may see it: as published when it is (unless
    /// `live`), else computed now.
    pub async fn monthly_report(
        &self,
        caller: &Caller,
        org: Option<OrgId>,
        month: Month,
        live: bool,
    ) -> Result<MonthlyReport, DeskError> {
        self.report_as(&caller.scope, org, month, live).await
    }

    /// [`Desk::monthly_report`] for a scope (the command line reports as the system): the
    /// figures, and for a customer's report its live compensation section.
    pub async fn report_as(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        month: Month,
        live: bool,
    ) -> Result<MonthlyReport, DeskError> {
        let report = self.report_figures(scope, org, month, live).await?;
        self.with_compensation(scope, report, month).await
    }

    /// A customer's report with its compensation section attached (SLA-RULES §7).
    async fn with_compensation(
        &self,
        scope: &Scope,
        mut report: MonthlyReport,
        month: Month,
    ) -> Result<MonthlyReport, DeskError> {
        if let Some(o) = report.organization_id {
            report.compensation = Some(self.compensation_section(scope, OrgId(o), month).await?);
        }
        Ok(report)
    }

    /// The report's figures without the compensation section: as published when it is
    /// (unless `live`), else computed now.
    pub(crate) async fn report_figures(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        month: Month,
        live: bool,
    ) -> Result<MonthlyReport, DeskError> {
        let org = crate::access::visible_org(scope, org)?;
        if !live
            && let Some(p) = self
                .store
                .published_report(scope, org, &month.to_string())
                .await?
        {
            return frozen(&p);
        }
        self.report_for(scope, org, month).await
    }

    /// Freezes a month's report for a customer (or all customers): only a service manager or
    /// administrator may, only once per month and scope, and only after the month is over.
    pub async fn publish_report(
        &self,
        caller: &Caller,
        org: Option<OrgId>,
        month: Month,
    ) -> Result<MonthlyReport, DeskError> {
        if !matches!(caller.role(), Role::ServiceManager | Role::Admin) {
            if caller.role().is_vendor() {
                return Err(DeskError::Forbidden(
                    "only a service manager or administrator publishes reports".into(),
                ));
            }
            return Err(DeskError::Forbidden(
                "customers do not publish reports".into(),
            ));
        }
        let standard = self.policies.standard()?;
        let (_, end) = month
            .span(&standard.calendar)
            .map_err(|e| DeskError::invalid("month", e.to_string()))?;
        let now = self.clock.now();
        if end > now {
            return Err(DeskError::invalid(
                "month",
                format!("{month} is not over yet: it can be published from {end}"),
            ));
        }
        let mut report = self.report_for(&caller.scope, org, month).await?;
        let body = serde_json::to_string(&report).map_err(|e| DeskError::Internal(e.into()))?;
        let sha = sha256_hex(&body);
        let mails = match org {
            Some(o) => self.published_mails(o, month).await?,
            None => Vec::new(),
        };
        let p = self
            .store
            .publish_report(
                org,
                &month.to_string(),
                &body,
                &sha,
                caller.person.id,
                ms(now),
                &mails,
            )
            .await?;
        report.publication = Some(Publication {
            published_at: rfc3339(p.published_at),
            published_by: p.published_by.0,
            sha256: p.sha256,
        });
        self.with_compensation(&caller.scope, report, month).await
    }

    /// The mails announcing a customer's published report: one to each of its active
    /// administrators, in their language, with the link to the report (SLA-RULES §10).
    async fn published_mails(
        &self,
        org: OrgId,
        month: Month,
    ) -> Result<Vec<store::ThreadMail>, DeskError> {
        let customer = self.store.get_org(&Scope::System, org).await?.name;
        let link = format!("{}/reports/{month}", self.links.public_url);
        let month_word = month.to_string();
        let admins = self
            .store
            .list_people(&Scope::System, Some(org))
            .await?
            .into_iter()
            .filter(|p| p.active && p.role == Role::CustomerAdmin);
        let mut mails: Vec<store::ThreadMail> = Vec::new();
        for (k, p) in admins.enumerate() {
            if mails
                .iter()
                .any(|m| m.to_address.eq_ignore_ascii_case(&p.email))
            {
                continue;
            }
            let t = Tr::for_code(&p.lang);
            let values = [
                ("month", month_word.as_str()),
                ("customer", customer.as_str()),
            ];
            let greeting = t.fill("mail.notice.greeting", &[("name", &p.name)]);
            let line = t.fill("mail.report.published.body", &values);
            let see = t.get("mail.report.published.see");
            let closing = t.fill("mail.notice.closing", &[]);
            let text = format!("{greeting}\n\n{line}\n\n{see} {link}\n\n{closing}\n");
            let html = format!(
                "<!DOCTYPE html>\n<html lang=\"{}\"><body>\n<p>{}</p>\n<p>{}</p>\n<p><a href=\"{}\">{}</a></p>\n<p>{}</p>\n</body></html>\n",
                if t.0 == sla::Lang::En { "en" } else { "nl" },
                escape_html(&greeting),
                escape_html(&line),
                escape_html(&link),
                escape_html(see),
                escape_html(&closing).replace('\n', "<br>\n"),
            );
            mails.push(store::ThreadMail {
                to_address: p.email.clone(),
                subject: t.fill("mail.report.published.subject", &values),
                body_text: text,
                body_html: Some(html),
                message_id: format!(
                    "<loket.report.{}.{month_word}.{k}@{}>",
                    org.0, self.links.mail_domain
                ),
                headers: vec![
                    ("Auto-Submitted".to_string(), "auto-generated".to_string()),
                    ("X-Auto-Response-Suppress".to_string(), "All".to_string()),
                ],
            });
        }
        Ok(mails)
    }

    /// What changed in earlier published months (up to [`CORRECTION_MONTHS`] back) since
    /// they were published, or since a later published report last corrected them.
    pub(crate) async fn corrections(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        month: Month,
        orgs: &[Organization],
    ) -> Result<Vec<CorrectionLine>, DeskError> {
        let mut published = self
            .store
            .published_before(scope, org, &month.to_string(), CORRECTION_MONTHS)
            .await?;
        if published.is_empty() {
            return Ok(Vec::new());
        }
        published.sort_by(|a, b| a.month.cmp(&b.month));
        let reports = published
            .iter()
            .map(frozen)
            .collect::<Result<Vec<_>, _>>()?;
        let standard = self.policies.standard()?;
        let mut out = Vec::new();
        for (i, report) in reports.iter().enumerate() {
            let mut baseline = lines(&report.sections);
            for later in &reports[i + 1..] {
                for c in later.corrections.iter().filter(|c| c.month == report.month) {
                    baseline.insert(
                        (
                            c.organization_id,
                            c.kind.clone(),
                            c.priority.clone(),
                            c.bound,
                            c.percent_bp,
                            c.within.clone(),
                        ),
                        (c.met, c.missed, c.customer.clone()),
                    );
                }
            }
            let past: Month = report
                .month
                .parse()
                .map_err(|e: String| DeskError::Internal(anyhow::anyhow!(e)))?;
            let counts = self.store.report_counts(scope, org, past.key()).await?;
            let now = lines(&sections(&standard.policy, orgs, org.is_none(), &counts)?);
            let keys: std::collections::BTreeSet<&Key> =
                baseline.keys().chain(now.keys()).collect();
            for key in keys {
                let (pm, px, customer) =
                    baseline.get(key).cloned().unwrap_or((0, 0, String::new()));
                let (nm, nx, name) = now.get(key).cloned().unwrap_or((0, 0, String::new()));
                if (pm, px) != (nm, nx) {
                    out.push(CorrectionLine {
                        month: report.month.clone(),
                        organization_id: key.0,
                        customer: if name.is_empty() { customer } else { name },
                        kind: key.1.clone(),
                        priority: key.2.clone(),
                        bound: key.3,
                        percent_bp: key.4,
                        within: key.5.clone(),
                        published_met: pm,
                        published_missed: px,
                        met: nm,
                        missed: nx,
                    });
                }
            }
        }
        Ok(out)
    }
}
