//! Files on a ticket: reading a multipart comment form with one file, safe file names and
//! media types, sizes in words, and downloads for those who may see them.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use store::{Attachment, AttachmentId, MAX_ATTACHMENT_BYTES};

use super::view::parse_id;
use crate::AppState;
use crate::error::ApiError;
use crate::pages::error::{PageError, api};
use crate::pages::form::Fields;
use crate::pages::layout::Viewer;
use desk::i18n::Tr;
use desk::tickets::Upload;

/// Largest body of the comment form: one file of at most [`MAX_ATTACHMENT_BYTES`] and the
/// text beside it (a comment of 100,000 characters fits several times).
pub const COMMENT_BODY_LIMIT: usize = MAX_ATTACHMENT_BYTES + 1024 * 1024;

/// A file name fit to store and to show: the last part of any path, without control or
/// bidirectional-override characters, trimmed, at most `desk::limits::FILE_NAME` characters.
pub fn sanitize_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let clean: String = clean.trim().chars().take(desk::limits::FILE_NAME).collect();
    let clean = clean.trim().to_string();
    if clean.is_empty() || clean.chars().all(|c| c == '.') {
        "file".to_string()
    } else {
        clean
    }
}

/// The declared media type of an uploaded part, reduced to `type/subtype` in lower case, or
/// `application/octet-stream` when it is missing or malformed.
pub fn media_type(declared: Option<&str>) -> String {
    let essence = declared
        .and_then(|d| d.split(';').next())
        .map(|d| d.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((a, b)) if token(a) && token(b) => essence,
        _ => "application/octet-stream".to_string(),
    }
}

/// The type a download is served with: a few harmless types as declared, else bytes.
fn served_type(declared: &str) -> &'static str {
    match declared {
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        "application/pdf" => "application/pdf",
        "text/plain" => "text/plain",
        _ => "application/octet-stream",
    }
}

/// `Content-Disposition` for a download (RFC 6266): an ASCII fallback name and the exact
/// name in UTF-8 (RFC 8187).
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' && c != '%' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// What a multipart comment form held.
pub(crate) enum Posted {
    /// The text fields and the file, if one was chosen.
    Form(Fields, Option<Upload>),
    /// The file was too large; the text fields beside it.
    TooLarge(Fields),
    /// The whole body was too large to read at all (its announced length is over the limit).
    Unreadable,
}

/// Reads a multipart comment form: text fields, and one file of at most
/// [`MAX_ATTACHMENT_BYTES`] (an empty file part without a name is no file).
pub(crate) async fn read_multipart(mut form: Multipart, t: Tr) -> Result<Posted, PageError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        PageError::Api(
            t,
            ApiError::BadRequest {
                detail: format!("cannot read the form: {e}"),
                field: None,
            },
        )
    };
    let mut fields = Vec::new();
    let mut file = None;
    let mut parts = 0usize;
    // Past the file's limit the rest is read and dropped (within the route's body limit),
    // so the browser, still sending, gets the answer.
    let mut too_large = false;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                too_large = true;
                break;
            }
            Err(e) => return Err(bad(e)),
        };
        parts += 1;
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let content_type = media_type(field.content_type());
            let mut field = field;
            let mut data = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if too_large || data.len() + chunk.len() > MAX_ATTACHMENT_BYTES {
                            too_large = true;
                            data = Vec::new();
                        } else {
                            data.extend_from_slice(&chunk);
                        }
                    }
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        too_large = true;
                        break;
                    }
                    Err(e) => return Err(bad(e)),
                }
            }
            if !too_large && file.is_none() && !(file_name.is_empty() && data.is_empty()) {
                file = Some(Upload {
                    file_name: sanitize_file_name(&file_name),
                    content_type,
                    data,
                });
            }
        } else {
            match field.text().await {
                Ok(v) => fields.push((name, v)),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    too_large = true;
                    break;
                }
                Err(e) => return Err(bad(e)),
            }
        }
    }
    Ok(match (too_large, parts) {
        (false, _) => Posted::Form(Fields(fields), file),
        (true, 0) => Posted::Unreadable,
        (true, _) => Posted::TooLarge(Fields(fields)),
    })
}

/// One attachment's bytes, for those who may see its ticket (and, for customers, its event).
pub(crate) async fn download(
    State(app): State<AppState>,
    viewer: Viewer,
    Path((raw, raw_file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let id = parse_id(&raw, t)?;
    let file = AttachmentId(parse_id(&raw_file, t)?.0);
    let (a, data): (Attachment, Vec<u8>) = app
        .store
        .attachment_data(&viewer.caller.scope, id, file)
        .await
        .map_err(|e| api(t)(e))?;
    let mut res = Response::new(axum::body::Body::from(data));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(served_type(&a.content_type)),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&a.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    } else {
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sla::Lang;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(
            sanitize_file_name("C:\\Users\\piet\\rapport.pdf"),
            "rapport.pdf"
        );
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("a\u{0}b\r\nc\u{7f}.txt"), "abc.txt");
        assert_eq!(sanitize_file_name("evil\u{202e}fdp.exe"), "evilfdp.exe");
        assert_eq!(sanitize_file_name("  ..  "), "file");
        assert_eq!(sanitize_file_name("dir/"), "file");
        assert_eq!(sanitize_file_name(""), "file");
        let long = format!("{}.txt", "é".repeat(300));
        assert_eq!(sanitize_file_name(&long).chars().count(), 200);
        assert_eq!(
            sanitize_file_name("Overzicht 2026 (concept).xlsx"),
            "Overzicht 2026 (concept).xlsx"
        );
    }

    #[test]
    fn downloads_name_the_file_safely() {
        assert_eq!(
            content_disposition("rapport.pdf"),
            "attachment; filename=\"rapport.pdf\"; filename*=UTF-8''rapport.pdf"
        );
        assert_eq!(
            content_disposition("offerte \"Zoë\" 100%.pdf"),
            "attachment; filename=\"offerte _Zo__ 100_.pdf\"; \
             filename*=UTF-8''offerte%20%22Zo%C3%AB%22%20100%25.pdf"
        );
        assert_eq!(served_type("image/png"), "image/png");
        assert_eq!(served_type("text/html"), "application/octet-stream");
        assert_eq!(served_type("image/svg+xml"), "application/octet-stream");
        assert_eq!(media_type(Some("Text/Plain; charset=utf-8")), "text/plain");
        assert_eq!(media_type(Some("bogus")), "application/octet-stream");
        assert_eq!(media_type(None), "application/octet-stream");
        assert_eq!(crate::pages::words::size_words(512, Lang::Nl), "512 B");
        assert_eq!(crate::pages::words::size_words(1536, Lang::Nl), "1,5 KB");
        assert_eq!(
            crate::pages::words::size_words(3 * 1024 * 1024, Lang::En),
            "3.0 MB"
        );
    }
}
