//! The form reader: name/value pairs of a form body or query string that never reject a
//! request, whether a body is multipart, and percent-encoding for URLs.

use axum::http::header;

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
    /// Parses `application/x-www-form-urlencoded` bytes.
    pub fn parse(bytes: &[u8]) -> Fields {
        Fields(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_never_reject() {
        let f = Fields::parse(b"csrf=abc&body=a+b%0Ac&body=second&x");
        assert_eq!(f.text("csrf"), "abc");
        assert_eq!(f.text("body"), "a b\nc");
        assert_eq!(f.text("missing"), "");
        assert!(!f.has_nul());
        assert!(Fields::parse(b"body=%00").has_nul());
        assert_eq!(
            crate::pages::words::fill("{p}-termijn {at}", &[("p", "90%"), ("at", "ma 13:00")]),
            "90%-termijn ma 13:00"
        );
    }
}
