//! Checking a sender when loket's own receiving server has not (SLA-RULES §3): DKIM
//! signatures, SPF for the client that handed the mail to the receiving server (the address in
//! the top `Received` header, the `Return-Path` as MAIL FROM) and the `From` domain's DMARC
//! policy, all looked up in DNS through an injectable resolver.
//!
//! A mail is authentic when DMARC passes (a passing DKIM signature or SPF result aligned with
//! the `From` domain). When the `From` domain publishes no DMARC policy, the same alignment is
//! asked for: a passing DKIM signature, or passing SPF for the MAIL FROM domain, of the `From`
//! domain, a subdomain of it or a parent of it. Anything else —
//! a failing check, a missing signature, a DNS failure — is not proof, and the mail is held.

use std::net::SocketAddr;
use std::time::Duration;

use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts,
};
use mail_auth::spf::verify::SpfParameters;

use super::text::Envelope;
use mail_auth::{
    AuthenticatedMessage, DkimResult, DmarcResult, MessageAuthenticator, SpfOutput, SpfResult,
};

/// How long one DNS question may take before the check counts as failed (and the mail is held).
pub const DNS_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a verifier could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    /// The system's resolver configuration could not be read.
    #[error("cannot read the system's DNS configuration: {0}")]
    System(String),
    /// A resolver could not be built.
    #[error("cannot set up the DNS resolver: {0}")]
    Resolver(String),
}

/// The outcome of checking a mail's sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The `From` domain vouches for the mail; says how (e.g. `dkim=pass header.d=…`).
    Aligned(String),
    /// No proof; says what was found.
    NotAligned(String),
}

/// Checks DKIM, SPF and DMARC of incoming mail against DNS.
pub struct Verifier {
    dns: MessageAuthenticator,
    /// The name of the receiving host, for SPF's `%{r}` macro.
    host: String,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

fn options() -> ResolverOpts {
    let mut o = ResolverOpts::default();
    o.timeout = DNS_TIMEOUT;
    o.attempts = 1;
    o
}

impl Verifier {
    /// A verifier asking the resolvers of the system (`/etc/resolv.conf`).
    pub fn system(host: &str) -> Result<Verifier, VerifierError> {
        let (config, _) = mail_auth::hickory_resolver::system_conf::read_system_conf()
            .map_err(|e| VerifierError::System(e.to_string()))?;
        Self::with_config(config, host)
    }

    /// A verifier asking one DNS server (over UDP, falling back to TCP).
    pub fn with_server(server: SocketAddr, host: &str) -> Result<Verifier, VerifierError> {
        let mut udp = ConnectionConfig::udp();
        udp.port = server.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = server.port();
        let ns = NameServerConfig::new(server.ip(), true, vec![udp, tcp]);
        Self::with_config(ResolverConfig::from_name_servers(vec![ns]), host)
    }

    fn with_config(config: ResolverConfig, host: &str) -> Result<Verifier, VerifierError> {
        let dns = MessageAuthenticator::new(config, options())
            .map_err(|e| VerifierError::Resolver(e.to_string()))?;
        Ok(Verifier {
            dns,
            host: host.to_string(),
        })
    }

    /// Checks `raw` (a whole message) claiming to be from `from`, received over `envelope`.
    pub async fn check(&self, raw: &[u8], from: &str, envelope: &Envelope) -> Verdict {
        let Some(message) = AuthenticatedMessage::parse(raw) else {
            return Verdict::NotAligned("the headers could not be read".into());
        };
        let from_domain = domain_of(from);
        if from_domain.is_empty() {
            return Verdict::NotAligned("the From address has no domain".into());
        }
        let dkim = self.dns.verify_dkim(&message).await;
        let mail_from = envelope.mail_from.clone().unwrap_or_default();
        let helo = envelope
            .helo
            .clone()
            .or_else(|| envelope.client_ip.map(|ip| ip.to_string()))
            .unwrap_or_default();
        let mail_from_domain = match mail_from.rsplit_once('@') {
            Some((_, d)) => d.to_ascii_lowercase(),
            None => helo.to_ascii_lowercase(),
        };
        let spf = match envelope.client_ip {
            Some(ip) => {
                self.dns
                    .verify_spf(SpfParameters::verify_mail_from(
                        ip, &helo, &self.host, &mail_from,
                    ))
                    .await
            }
            None => SpfOutput::default(),
        };
        let dmarc = self
            .dns
            .verify_dmarc(DmarcParameters::new(
                &message,
                &dkim,
                &mail_from_domain,
                &spf,
            ))
            .await;
        if *dmarc.dkim_result() == DmarcResult::Pass {
            return Verdict::Aligned(format!("dmarc=pass (dkim) header.from={from_domain}"));
        }
        if *dmarc.spf_result() == DmarcResult::Pass {
            return Verdict::Aligned(format!("dmarc=pass (spf) header.from={from_domain}"));
        }
        let published = !matches!(dmarc.dkim_result(), DmarcResult::None)
            || !matches!(dmarc.spf_result(), DmarcResult::None);
        let mut found: Vec<String> = Vec::new();
        let mut aligned_dkim = None;
        for out in &dkim {
            let d = out
                .signature()
                .map(|s| s.d.to_ascii_lowercase())
                .unwrap_or_default();
            let result = match out.result() {
                DkimResult::Pass => "pass",
                // A body that no longer matches its signed hash was altered on the way.
                DkimResult::Neutral(mail_auth::Error::Dkim(
                    mail_auth::dkim::DkimError::FailedBodyHashMatch,
                )) => "fail (body altered)",
                DkimResult::Neutral(_) => "neutral",
                DkimResult::Fail(_) => "fail",
                DkimResult::PermError(_) => "permerror",
                DkimResult::TempError(_) => "temperror",
                DkimResult::None => "none",
            };
            found.push(format!("dkim={result} header.d={d}"));
            if *out.result() == DkimResult::Pass && relaxed_aligned(&d, &from_domain) {
                aligned_dkim = Some(d);
            }
        }
        if dkim.is_empty() {
            found.push("dkim=none".into());
        }
        let spf_word = match spf.result() {
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::Neutral => "neutral",
            SpfResult::TempError => "temperror",
            SpfResult::PermError => "permerror",
            SpfResult::None => "none",
        };
        found.push(format!("spf={spf_word} smtp.mailfrom={mail_from_domain}"));
        if published {
            found.push(format!("dmarc=fail header.from={from_domain}"));
            return Verdict::NotAligned(found.join("; "));
        }
        if let Some(d) = aligned_dkim {
            return Verdict::Aligned(format!("dkim=pass header.d={d} (no DMARC policy)"));
        }
        if spf.result() == SpfResult::Pass && relaxed_aligned(&mail_from_domain, &from_domain) {
            return Verdict::Aligned(format!(
                "spf=pass smtp.mailfrom={mail_from_domain} (no DMARC policy)"
            ));
        }
        Verdict::NotAligned(found.join("; "))
    }
}

/// The lower-case domain of an address.
fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().trim_end_matches('>').to_ascii_lowercase())
        .unwrap_or_default()
}

/// Whether `d` is aligned with the `From` domain `from` in DMARC's relaxed sense, taken without
/// a public-suffix list as: the same domain, or one a subdomain of the other (both with at
/// least two labels). Sibling subdomains are not taken as aligned.
pub fn relaxed_aligned(d: &str, from: &str) -> bool {
    let (d, from) = (d.trim_end_matches('.'), from.trim_end_matches('.'));
    if !d.contains('.') || !from.contains('.') {
        return false;
    }
    d == from || d.ends_with(&format!(".{from}")) || from.ends_with(&format!(".{d}"))
}
