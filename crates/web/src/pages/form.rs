//! The form reader: name/value pairs of a form body or query string that never reject a
//! request, whether a body is multipart, and percent-encoding for URLs.

use axum::http::header;
use desk::DeskError;
use desk::i18n::Tr;

/// Whether a request body is `multipart/form-data` (a form with a file).
pub fn is_multipart(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Percent-encodes a value for a URL query.
pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Name/value pairs of a form body or a query string, read without ever rejecting the request
/// (a missing field is empty), so the CSRF check always comes first and errors are pages.
#[derive(Debug, Default)]
pub struct Fields(pub(crate) Vec<(String, String)>);

impl Fields {
    /// Parses `application/x-www-form-urlencoded` bytes. A text area's line breaks come as
    /// CR LF but count as one character in the browser (`maxlength`), so they are made LF.
    pub fn parse(bytes: &[u8]) -> Fields {
        Fields(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| {
                    let v = if v.contains("\r\n") {
                        v.replace("\r\n", "\n")
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect(),
        )
    }

    /// Parses an optional query string.
    pub fn query(q: Option<&str>) -> Fields {
        Fields::parse(q.unwrap_or_default().as_bytes())
    }

    /// The first value of a field, or `""`.
    pub fn text(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether any value holds U+0000 (no database stores it).
    pub fn has_nul(&self) -> bool {
        self.0
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
    }
}

/// Why a text was refused for its length (`desk::limits`), in the person's language.
pub fn too_long(t: Tr, max: usize) -> String {
    let sep = if t.code() == "en" { ',' } else { '.' };
    let digits = max.to_string();
    let mut grouped = String::with_capacity(digits.len() + 4);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(sep);
        }
        grouped.push(c);
    }
    t.fill("form.too_long", &[("max", &grouped)])
}

/// A refusal a form shows beside one of its fields: the field and what is wrong, in the
/// person's language for a text over its length; any other refusal is not the form's.
pub fn field_refusal(t: Tr, e: DeskError) -> Result<(String, String), DeskError> {
    match e {
        DeskError::TooLong { field, max } => Ok((field, too_long(t, max))),
        DeskError::Invalid { field, rule } => Ok((field, rule)),
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_never_reject() {
        let f = Fields::parse(b"csrf=abc&body=a+b%0Ac&body=second&x");
        assert_eq!(f.text("csrf"), "abc");
        assert_eq!(f.text("body"), "a b\nc");
        assert_eq!(Fields::parse(b"t=a%0D%0Ab%0Dc").text("t"), "a\nb\rc");
        assert_eq!(f.text("missing"), "");
        assert!(!f.has_nul());
        assert!(Fields::parse(b"body=%00").has_nul());
        assert_eq!(
            too_long(Tr::for_code("en"), 100_000),
            "At most 100,000 characters."
        );
        assert_eq!(
            too_long(Tr::for_code("nl"), 2000),
            "Ten hoogste 2.000 tekens."
        );
        assert_eq!(too_long(Tr::for_code("nl"), 80), "Ten hoogste 80 tekens.");
        assert_eq!(
            crate::pages::words::fill("{p}-termijn {at}", &[("p", "90%"), ("at", "ma 13:00")]),
            "90%-termijn ma 13:00"
        );
    }
}
