//! Reading an incoming mail: its sender, ids, whether it is automatic, its authentication
//! results, the instant it was received, and its text with the quoted history trimmed.

use mail_parser::{HeaderValue, Message, MimeHeaders};

/// What the pipeline needs from a parsed message, owned.
#[derive(Debug, Clone, Default)]
pub struct Read {
    /// The `From` address, lower-case.
    pub from: Option<String>,
    /// The `From` display name.
    pub from_name: Option<String>,
    /// The message's `Message-ID`, with angle brackets.
    pub message_id: Option<String>,
    /// How many `Message-ID` headers it carries.
    pub message_id_headers: usize,
    /// `In-Reply-To` and `References` ids, with angle brackets.
    pub thread_ids: Vec<String>,
    /// The subject.
    pub subject: String,
    /// The text (HTML turned into text when there is no plain part), quoted history trimmed.
    pub text: String,
    /// Why it is automatic mail, if it is.
    pub automatic: Option<String>,
    /// Local parts and domains it was addressed to (`To`, `Delivered-To`, `X-Original-To`,
    /// `Envelope-To`, `Return-Path` excluded), lower-case.
    pub recipients: Vec<String>,
    /// The date of the top `Received:` header, in milliseconds.
    pub received_header_at: Option<i64>,
    /// `Authentication-Results` headers, raw.
    pub auth_results: Vec<String>,
    /// Who handed the mail to the receiving server, for SPF.
    pub envelope: Envelope,
    /// Attachments: name, media type, bytes.
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

/// The SMTP envelope as the receiving server recorded it: the client of the top `Received`
/// header and the `Return-Path` (MAIL FROM).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The client's address.
    pub client_ip: Option<std::net::IpAddr>,
    /// The name the client greeted with (HELO/EHLO).
    pub helo: Option<String>,
    /// The MAIL FROM address; empty for a bounce.
    pub mail_from: Option<String>,
}

/// Angle brackets around an id, as sent.
fn bracket(id: &str) -> String {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    format!("<{id}>")
}

fn text_list(v: &HeaderValue<'_>) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![bracket(t)],
        HeaderValue::TextList(l) => l.iter().map(|t| bracket(t)).collect(),
        _ => Vec::new(),
    }
}

/// Reads `m`; `own_domain` is the domain of the Message-IDs loket sends.
pub fn read(m: &Message<'_>, own_domain: &str) -> Read {
    let from_addr = m.from().and_then(|a| a.first());
    let from = from_addr
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@'));
    let from_name = from_addr.and_then(|a| a.name()).map(str::to_string);
    let message_id = m.message_id().map(bracket);
    let message_id_headers = m
        .headers()
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case("message-id"))
        .count();
    let mut thread_ids = text_list(m.in_reply_to());
    thread_ids.extend(text_list(m.references()));
    thread_ids.dedup();
    thread_ids.truncate(100);
    let subject = m.subject().unwrap_or("").trim().to_string();
    let raw_header = |name: &str| -> Vec<String> {
        m.headers_raw()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .collect()
    };
    let mut recipients = Vec::new();
    for name in ["Delivered-To", "X-Original-To", "Envelope-To"] {
        recipients.extend(raw_header(name).into_iter().map(|v| {
            v.trim_matches(|c| c == '<' || c == '>' || c == ' ')
                .to_lowercase()
        }));
    }
    for a in m.all_to().flat_map(|a| a.iter()) {
        if let Some(x) = a.address() {
            recipients.push(x.to_lowercase());
        }
    }
    let automatic = automatic(m, &raw_header, from.is_none(), own_domain);
    let received_header_at = m
        .received()
        .and_then(|r| r.date.as_ref())
        .map(|d| d.to_timestamp().saturating_mul(1000));
    let auth_results = raw_header("Authentication-Results");
    let envelope = Envelope {
        client_ip: m.received().and_then(|r| r.from_ip()),
        helo: m.received().and_then(|r| r.helo()).map(|h| h.to_string()),
        mail_from: m.return_address().map(|a| {
            a.trim()
                .trim_matches(|c| c == '<' || c == '>')
                .to_lowercase()
        }),
    };
    let text = match m.body_text(0) {
        Some(t) if m.text_body_count() > 0 && !m.root_part().is_text_html() => t.into_owned(),
        _ => m
            .body_html(0)
            .map(|h| html_to_text(&h))
            .or_else(|| m.body_text(0).map(|t| t.into_owned()))
            .unwrap_or_default(),
    };
    let text = trim_quoted(&text);
    let attachments: Vec<(String, String, Vec<u8>)> = m
        .attachments()
        .filter(|p| !p.is_message())
        .map(|p| {
            let name = p.attachment_name().unwrap_or("attachment").to_string();
            let ctype = p
                .content_type()
                .map(|c| match c.subtype() {
                    Some(s) => format!("{}/{}", c.ctype(), s),
                    None => c.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into());
            (name, ctype, p.contents().to_vec())
        })
        .collect();
    Read {
        from: from.map(|s| clean(&s)),
        from_name: from_name.map(|s| clean(&s)),
        message_id: message_id.map(|s| clean(&s)),
        message_id_headers,
        thread_ids: thread_ids.iter().map(|s| clean(s)).collect(),
        subject: clean(&subject),
        text: clean(&text),
        automatic: automatic.map(|s| clean(&s)),
        recipients: recipients.iter().map(|s| clean(s)).collect(),
        received_header_at,
        auth_results: auth_results.iter().map(|s| clean(s)).collect(),
        envelope,
        attachments: attachments
            .into_iter()
            .map(|(n, c, d)| (clean(&n), clean(&c), d))
            .collect(),
    }
}

/// `s` without NUL and other control characters but new lines and tabs: a mail's text may
/// carry anything, the database's text columns take no NUL.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

/// Why `m` is automatic mail (never answered, never a ticket), if it is.
fn automatic(
    m: &Message<'_>,
    raw_header: &dyn Fn(&str) -> Vec<String>,
    no_sender: bool,
    own_domain: &str,
) -> Option<String> {
    for v in raw_header("Auto-Submitted") {
        if !v.eq_ignore_ascii_case("no") {
            return Some(format!("Auto-Submitted: {v}"));
        }
    }
    for v in raw_header("Precedence") {
        let v = v.to_lowercase();
        if ["bulk", "junk", "list"].contains(&v.as_str()) {
            return Some(format!("Precedence: {v}"));
        }
    }
    for name in ["List-Id", "X-Auto-Response-Suppress", "X-Loop"] {
        if !raw_header(name).is_empty() {
            return Some(format!("{name} header"));
        }
    }
    let report = m.content_type().is_some_and(|c| {
        c.ctype().eq_ignore_ascii_case("multipart")
            && c.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    if report {
        return Some("a delivery or read report (multipart/report)".into());
    }
    for v in raw_header("Return-Path") {
        if v.trim() == "<>" {
            return Some("null sender (Return-Path: <>)".into());
        }
    }
    if no_sender {
        return None;
    }
    let own = format!("@{}>", own_domain.to_lowercase());
    if let Some(id) = m.message_id()
        && bracket(id).to_lowercase().ends_with(&own)
    {
        return Some("loket's own Message-ID came back".into());
    }
    None
}

/// The receiving server's verdict for the `From` domain: `true` when an
/// `Authentication-Results` header of `authserv_id` says DMARC passed, or DKIM passed for the
/// `From` domain, or SPF passed for it.
pub fn authenticated(results: &[String], authserv_id: &str, from: &str) -> bool {
    results_of(results, authserv_id).any(|r| passes(r, from))
}

/// The `Authentication-Results` headers of `authserv_id` among `results`.
pub fn results_of<'a>(
    results: &'a [String],
    authserv_id: &'a str,
) -> impl Iterator<Item = &'a String> + 'a {
    results.iter().filter(move |r| {
        r.split(';')
            .next()
            .and_then(|s| s.split_whitespace().next())
            .is_some_and(|id| id.eq_ignore_ascii_case(authserv_id))
    })
}

/// Whether one `Authentication-Results` header passes DMARC, DKIM or SPF for `from`'s domain.
fn passes(r: &str, from: &str) -> bool {
    let domain = from.rsplit('@').next().unwrap_or("").to_lowercase();
    r.split(';').skip(1).any(|p| {
        let p = p.trim().to_lowercase();
        let words: Vec<&str> = p.split_whitespace().collect();
        let Some(first) = words.first() else {
            return false;
        };
        let names_domain = |key: &str| {
            words.iter().any(|w| {
                w.strip_prefix(key).is_some_and(|v| {
                    let v = v.rsplit('@').next().unwrap_or(v);
                    v == domain
                })
            })
        };
        match *first {
            "dmarc=pass" => names_domain("header.from="),
            "dkim=pass" => names_domain("header.d=") || names_domain("header.i="),
            "spf=pass" => names_domain("smtp.mailfrom="),
            _ => false,
        }
    })
}

/// Plain text from HTML: tags dropped, `<script>`/`<style>` content dropped, block ends
/// turned into new lines, the common entities decoded. The result is only ever shown as text.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..i]));
        let tail = &rest[i..];
        let end = tail.find('>').map_or(tail.len(), |e| e + 1);
        let tag = tail[..end].to_lowercase();
        let name: String = tag
            .trim_start_matches('<')
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &tail[end..];
        if (name == "script" || name == "style") && !tag.starts_with("</") {
            let close = format!("</{name}");
            let lower = rest.to_lowercase();
            rest = match lower.find(&close) {
                Some(c) => {
                    let after = &rest[c..];
                    &after[after.find('>').map_or(after.len(), |e| e + 1)..]
                }
                None => "",
            };
            continue;
        }
        if ["br", "p", "div", "tr", "li", "h1", "h2", "h3", "blockquote"].contains(&name.as_str()) {
            out.push('\n');
        }
    }
    out.push_str(&decode_entities(rest));
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    let mut text = lines.join("\n");
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text.trim().to_string()
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A reply's own text: everything from the first quoted-history marker on is dropped
/// (`On … wrote:`, `Op … schreef …:`, Outlook's `-----Original Message-----` and its Dutch
/// form, a `From:`/`Van:` block opening a forwarded header) and `>` lines are removed.
pub fn trim_quoted(text: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let lower = t.to_lowercase();
        let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or("");
        let starts_block = (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (lower.starts_with("op ") && lower.contains("schreef") && lower.ends_with(':'))
            || (lower.starts_with("-----") && lower.contains("original message"))
            || (lower.starts_with("-----") && lower.contains("oorspronkelijk bericht"))
            || ((lower.starts_with("van:") || lower.starts_with("from:"))
                && (next.to_lowercase().starts_with("verzonden:")
                    || next.to_lowercase().starts_with("sent:")
                    || next.to_lowercase().starts_with("datum:")
                    || next.to_lowercase().starts_with("date:")));
        if starts_block && i > 0 {
            break;
        }
        if t.starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    kept.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_is_trimmed_in_english_dutch_and_outlook_form() {
        let en = "Thanks, it works.\n\nOn Mon, 23 Nov 2026 at 10:00, Desk <d@x> wrote:\n> old\n";
        assert_eq!(trim_quoted(en), "Thanks, it works.");
        let nl = "Dank je.\nOp ma 23 nov. 2026 om 10:00 schreef Desk <d@x>:\n> oud";
        assert_eq!(trim_quoted(nl), "Dank je.");
        let outlook = "Yes.\n-----Original Message-----\nFrom: Desk\nold text";
        assert_eq!(trim_quoted(outlook), "Yes.");
        let van = "Ja.\n\nVan: Servicedesk <d@x>\nVerzonden: maandag\nOnderwerp: x";
        assert_eq!(trim_quoted(van), "Ja.");
        let inline = "first\n> quoted\nsecond";
        assert_eq!(trim_quoted(inline), "first\nsecond");
    }

    #[test]
    fn html_becomes_text_without_scripts_or_tags() {
        let t = html_to_text(
            "<html><style>p{}</style><script>alert(1)</script><p>Hello &amp; <b>bye</b></p><p>2&lt;3</p></html>",
        );
        assert_eq!(t, "Hello & bye\n\n2<3");
    }

    #[test]
    fn authentication_results_count_only_from_the_own_server_and_the_from_domain() {
        let ok = vec!["mx.loket.example; dmarc=pass header.from=klant.example".to_string()];
        assert!(authenticated(&ok, "mx.loket.example", "a@klant.example"));
        assert!(!authenticated(&ok, "mx.other.example", "a@klant.example"));
        assert!(!authenticated(&ok, "mx.loket.example", "a@evil.example"));
        let dkim = vec!["mx.loket.example; spf=fail; dkim=pass header.d=klant.example".to_string()];
        assert!(authenticated(&dkim, "mx.loket.example", "a@klant.example"));
        let fail = vec!["mx.loket.example; dmarc=fail header.from=klant.example".to_string()];
        assert!(!authenticated(&fail, "mx.loket.example", "a@klant.example"));
    }
}
