//! The page-driving kit the HTML cases share: a [`Browser`] that sends requests with a
//! session cookie straight into `web::router` (forms as `application/x-www-form-urlencoded`,
//! files as `multipart/form-data`), and the [`Page`] it gets back, read whole, with the
//! checks the cases make on it (status, words in the text, the CSRF token, queue rows…).
//!
//! Pages answer errors with HTML and downloads with bytes, not with problem documents, so
//! these requests bypass `App::send` (which insists on problem+json for 4xx).

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use tower::ServiceExt;

use crate::harness::App;
use crate::world::Actor;

/// An answer as the browser gets it, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    /// The `Location` header, `""` when there is none.
    pub location: String,
    pub headers: HeaderMap,
    /// The body as sent.
    pub body: Vec<u8>,
    /// The body as (lossy) UTF-8, escapes left as they are.
    pub html: String,
    /// `METHOD path`, for failure messages.
    pub what: String,
}

impl Page {
    #[track_caller]
    pub fn expect(self, status: u16) -> Page {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}: expected {status}, got {}: {}",
            self.what,
            self.status,
            self.html
        );
        self
    }

    /// The path a 303 leads to.
    #[track_caller]
    pub fn redirect(&self) -> String {
        assert_eq!(self.status.as_u16(), 303, "{}: {}", self.what, self.html);
        assert!(!self.location.is_empty(), "{}: no Location", self.what);
        self.location.clone()
    }

    /// The `Location` header, if there is one.
    pub fn location(&self) -> Option<&str> {
        Some(self.location.as_str()).filter(|l| !l.is_empty())
    }

    /// A response header's value, `""` when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The text with the escapes askama writes undone, for comparing with plain words.
    pub fn text(&self) -> String {
        self.html
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&#34;", "\"")
            .replace("&#38;", "&")
            .replace("&amp;", "&")
    }

    /// `words` are in the [`text`](Page::text).
    #[track_caller]
    pub fn has(&self, words: &str) -> &Page {
        assert!(
            self.text().contains(words),
            "{}: `{words}` not in: {}",
            self.what,
            self.html
        );
        self
    }

    /// `words` are not in the [`text`](Page::text).
    #[track_caller]
    pub fn lacks(&self, words: &str) -> &Page {
        assert!(
            !self.text().contains(words),
            "{}: `{words}` is in: {}",
            self.what,
            self.html
        );
        self
    }

    /// `markup` is in the HTML as sent, escapes and all.
    #[track_caller]
    pub fn has_html(&self, markup: &str) -> &Page {
        assert!(
            self.html.contains(markup),
            "{}: no {markup:?} in\n{}",
            self.what,
            self.html
        );
        self
    }

    /// `markup` is not in the HTML as sent.
    #[track_caller]
    pub fn lacks_html(&self, markup: &str) -> &Page {
        assert!(
            !self.html.contains(markup),
            "{}: {markup:?} in\n{}",
            self.what,
            self.html
        );
        self
    }

    /// The value of the first hidden `csrf` input of the page's forms.
    #[track_caller]
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .html
            .find(marker)
            .unwrap_or_else(|| panic!("{}: no csrf input in {}", self.what, self.html))
            + marker.len();
        self.html[start..]
            .split('"')
            .next()
            .expect("token")
            .to_string()
    }

    /// The HTML of the element that opens with `<tag …id="id"` up to its end tag.
    #[track_caller]
    pub fn element(&self, tag: &str, id: &str) -> &str {
        let marker = format!("id=\"{id}\"");
        let at = self
            .html
            .find(&marker)
            .unwrap_or_else(|| panic!("{}: no {marker}:\n{}", self.what, self.html));
        let start = self.html[..at]
            .rfind(&format!("<{tag}"))
            .expect("opening tag");
        let end = self.html[at..]
            .find(&format!("</{tag}>"))
            .expect("closing tag");
        &self.html[start..at + end]
    }

    /// The table row of the desk's queue holding ticket `id`.
    #[track_caller]
    pub fn row(&self, id: i64) -> &str {
        let needle = format!("name=\"ids\" value=\"{id}\"");
        let at = self
            .html
            .find(&needle)
            .unwrap_or_else(|| panic!("ticket {id} is not in the queue: {}", self.html));
        let start = self.html[..at].rfind("<tr").expect("row start");
        let end = at + self.html[at..].find("</tr>").expect("row end");
        &self.html[start..end]
    }

    /// The ids of the queue's rows, top to bottom.
    pub fn ids(&self) -> Vec<i64> {
        self.html
            .split("name=\"ids\" value=\"")
            .skip(1)
            .map(|s| s[..s.find('"').expect("end")].parse().expect("id"))
            .collect()
    }

    /// The `href` of the link with `rel="next"`, unescaped.
    pub fn next(&self) -> Option<String> {
        let at = self.html.find("rel=\"next\"")?;
        let start = self.html[..at].rfind("href=\"")? + "href=\"".len();
        let end = start + self.html[start..].find('"')?;
        Some(unescape(&self.html[start..end]))
    }

    /// The attachment download links of the page, each once, in order.
    pub fn downloads(&self) -> Vec<String> {
        let mut unique: Vec<String> = Vec::new();
        for l in self
            .text()
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .filter(|s| s.contains("/attachments/"))
        {
            if !unique.iter().any(|u| u == l) {
                unique.push(l.to_string());
            }
        }
        unique
    }
}

/// Opens the sign-in form (`query`: e.g. `?lang=en`) as a browser does and posts `fields`
/// with its double-submit CSRF cookie and token; returns the answer.
pub async fn sign_in_form(
    router: &Router,
    query: &str,
    fields: &[(&str, &str)],
) -> axum::response::Response {
    let res = router
        .clone()
        .oneshot(
            Request::get(format!("/login{query}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("csrf cookie")
        .to_string();
    let html = String::from_utf8_lossy(
        &axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body"),
    )
    .into_owned();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("csrf input") + marker.len();
    let csrf = html[start..].split('"').next().expect("token").to_string();
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf", &csrf)
        .extend_pairs(fields)
        .finish();
    router
        .clone()
        .oneshot(
            Request::post("/login")
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
        .expect("infallible")
}

/// Undoes askama's HTML escaping of an attribute value.
pub fn unescape(s: &str) -> String {
    s.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#61;", "=")
        .replace("&#43;", "+")
        .replace("&#37;", "%")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
}

/// One part of a multipart form.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File {
        name: &'a str,
        file_name: &'a str,
        content_type: &'a str,
        data: &'a [u8],
    },
}

pub const BOUNDARY: &str = "----loket-test-boundary-7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body of `parts`, separated by [`BOUNDARY`].
pub fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Part::Text(name, value) => {
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                out.extend_from_slice(value.as_bytes());
            }
            Part::File {
                name,
                file_name,
                content_type,
                data,
            } => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                         Content-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(data);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// A browser over the whole application with one session cookie (`""`: signed out).
#[derive(Clone)]
pub struct Browser {
    router: Router,
    cookie: String,
    /// Every 2xx and 4xx answer must be an HTML document.
    html_only: bool,
}

impl Browser {
    /// `actor`'s browser.
    pub fn of(app: &App, actor: &Actor) -> Browser {
        Browser::with_cookie(app, &actor.cookie)
    }

    /// A browser holding session `cookie` (`""`: none).
    pub fn with_cookie(app: &App, cookie: &str) -> Browser {
        Browser {
            router: web::router(app.state.clone()),
            cookie: cookie.to_string(),
            html_only: false,
        }
    }

    /// The same application with another session cookie.
    pub fn as_cookie(&self, cookie: &str) -> Browser {
        Browser {
            cookie: cookie.to_string(),
            ..self.clone()
        }
    }

    /// From now on, checks that every 2xx and 4xx answer is an HTML document.
    pub fn html_only(mut self) -> Browser {
        self.html_only = true;
        self
    }

    /// Sends a request with an optional `(content type, body)`; no answer may be a 5xx.
    pub async fn send(&self, method: Method, path: &str, body: Option<(&str, Vec<u8>)>) -> Page {
        let what = format!("{method} {path}");
        let mut b = Request::builder().method(method).uri(path);
        if !self.cookie.is_empty() {
            b = b.header(
                header::COOKIE,
                format!("{}={}", web::auth::SESSION_COOKIE, self.cookie),
            );
        }
        let body = match body {
            Some((content_type, bytes)) => {
                b = b.header(header::CONTENT_TYPE, content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let res = self
            .router
            .clone()
            .oneshot(b.body(body).expect("request"))
            .await
            .expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        let html = String::from_utf8_lossy(&body).into_owned();
        assert!(!status.is_server_error(), "{what}: {status}: {html}");
        let page = Page {
            status,
            location: String::new(),
            headers,
            body,
            html,
            what,
        };
        if page.header("content-type").starts_with("text/html") {
            assert!(
                std::str::from_utf8(&page.body).is_ok(),
                "{}: HTML in UTF-8",
                page.what
            );
        }
        if self.html_only && (status.is_success() || status.is_client_error()) {
            let start = page.html.get(..15).unwrap_or_default();
            assert_eq!(
                start, "<!doctype html>",
                "{}: pages answer with HTML: {}",
                page.what, page.html
            );
        }
        Page {
            location: page.header("location").to_string(),
            ..page
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    /// Posts a form as a browser does.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish()
            .into_bytes();
        self.send(
            Method::POST,
            path,
            Some(("application/x-www-form-urlencoded", body)),
        )
        .await
    }

    /// Posts a `multipart/form-data` form.
    pub async fn post_multipart(&self, path: &str, parts: &[Part<'_>]) -> Page {
        let ct = format!("multipart/form-data; boundary={BOUNDARY}");
        self.send(Method::POST, path, Some((&ct, multipart(parts))))
            .await
    }

    /// Gets `path`, posts `fields` with the page's CSRF token to `action`.
    pub async fn submit(&self, path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(path).await.expect(200).csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }
}
