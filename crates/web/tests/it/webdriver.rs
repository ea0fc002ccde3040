//! A small W3C WebDriver client for the browser journeys: a ChromeDriver started here (on a
//! free port, killed on drop) driving a headless Chromium with a fresh profile, spoken to in
//! HTTP/1.1 over `std::net::TcpStream` with `serde_json` bodies. Blocking on purpose: the
//! journeys run on a plain test thread while the server runs on its own tokio runtime.
//!
//! Every operation panics with the command and WebDriver's message when it fails (this is
//! test code); [`Browser::try_find`] is the one that answers "not there" instead.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The key under which WebDriver names an element.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a command may take before the test fails.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// How long the `wait_*` helpers wait.
pub const WAIT: Duration = Duration::from_secs(10);

/// Where Chromium and ChromeDriver are.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The browser (`$CHROMIUM`, else `/usr/bin/chromium`).
    pub chromium: PathBuf,
    /// The driver (`$CHROMEDRIVER`, else `/usr/bin/chromedriver`).
    pub chromedriver: PathBuf,
}

impl Tools {
    /// `$CHROMIUM`/`$CHROMEDRIVER`, else Debian's paths; `Err` says what is missing.
    pub fn find() -> Result<Tools, String> {
        let pick = |var: &str, default: &str| -> Result<PathBuf, String> {
            match std::env::var_os(var).filter(|v| !v.is_empty()) {
                Some(v) => {
                    let p = PathBuf::from(v);
                    if p.is_file() {
                        Ok(p)
                    } else {
                        Err(format!("{var}={} does not exist", p.display()))
                    }
                }
                None if Path::new(default).is_file() => Ok(PathBuf::from(default)),
                None => Err(format!("{var} is unset and {default} does not exist")),
            }
        };
        let chromium = pick("CHROMIUM", "/usr/bin/chromium");
        let chromedriver = pick("CHROMEDRIVER", "/usr/bin/chromedriver");
        match (chromium, chromedriver) {
            (Ok(chromium), Ok(chromedriver)) => Ok(Tools {
                chromium,
                chromedriver,
            }),
            (a, b) => Err([a.err(), b.err()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; ")),
        }
    }
}

/// A WebDriver error answer (or a transport failure, with `error` "transport").
#[derive(Debug, Clone)]
pub struct WdError {
    /// The HTTP status (0 for a transport failure).
    pub status: u16,
    /// WebDriver's error code, e.g. `no such element`.
    pub error: String,
    /// Its message.
    pub message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.error, self.status, self.message)
    }
}

/// One HTTP/1.1 exchange with `127.0.0.1:port`, `Connection: close`: the status and body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Vec<u8>), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(COMMAND_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(COMMAND_TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Accept: application/json\r\n"
    );
    if body.is_some() {
        req.push_str("Content-Type: application/json; charset=utf-8\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));
    req.push_str(&payload);
    stream
        .write_all(req.as_bytes())
        .map_err(|e| e.to_string())?;

    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader
        .read_line(&mut status_line)
        .map_err(|e| e.to_string())?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim();
            if k == "content-length" {
                length = v.parse().ok();
            } else if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
    }
    let mut out = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).map_err(|e| e.to_string())?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|e| format!("bad chunk size {size:?}: {e}"))?;
            if size == 0 {
                break;
            }
            let start = out.len();
            out.resize(start + size, 0);
            reader
                .read_exact(&mut out[start..])
                .map_err(|e| e.to_string())?;
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf).map_err(|e| e.to_string())?;
        }
    } else if let Some(n) = length {
        out.resize(n, 0);
        reader.read_exact(&mut out).map_err(|e| e.to_string())?;
    } else {
        reader.read_to_end(&mut out).map_err(|e| e.to_string())?;
    }
    Ok((status, out))
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A fresh directory under the system's temp dir.
fn fresh_dir(prefix: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "{prefix}{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    dir
}

/// Decodes standard base64 (padding and whitespace allowed).
pub fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        if c == b'=' {
            break;
        }
        if c.is_ascii_whitespace() {
            continue;
        }
        let v = val(c).ok_or_else(|| format!("not base64: {:?}", char::from(c)))?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Ok(out)
}

/// A ChromeDriver process with one browser session; both end on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    profile: PathBuf,
    log: PathBuf,
}

/// An element of the current page.
#[derive(Debug, Clone)]
pub struct Element {
    id: String,
    /// How it was found (for messages).
    pub what: String,
}

impl Browser {
    /// Starts ChromeDriver on a free port and opens a headless Chromium session.
    pub fn start(tools: &Tools) -> Browser {
        let profile = fresh_dir("loket-chromium-");
        let log = profile.with_extension("chromedriver.log");
        let mut last_error = String::new();
        for _attempt in 0..5 {
            let port = free_port();
            let mut driver = Command::new(&tools.chromedriver)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", tools.chromedriver.display()));
            let deadline = Instant::now() + Duration::from_secs(20);
            let ready = loop {
                if let Ok(Some(status)) = driver.try_wait() {
                    last_error = format!("chromedriver exited at once: {status}");
                    break false;
                }
                if let Ok((200, body)) = http(port, "GET", "/status", None) {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    if v["value"]["ready"] == true {
                        break true;
                    }
                }
                if Instant::now() > deadline {
                    last_error = format!("chromedriver on port {port} not ready after 20s");
                    break false;
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            if !ready {
                let _ = driver.kill();
                let _ = driver.wait();
                continue;
            }
            let mut b = Browser {
                driver,
                port,
                session: String::new(),
                profile: profile.clone(),
                log: log.clone(),
            };
            let caps = json!({
                "capabilities": {
                    "alwaysMatch": {
                        "browserName": "chrome",
                        "pageLoadStrategy": "normal",
                        // `data-confirm` buttons ask with window.confirm: say yes.
                        "unhandledPromptBehavior": "accept",
                        "timeouts": { "implicit": 0, "pageLoad": 30_000, "script": 30_000 },
                        "goog:chromeOptions": {
                            "binary": tools.chromium.to_string_lossy(),
                            "args": [
                                "--headless=new",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-dev-shm-usage",
                                "--disable-quic",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--window-size=1280,900",
                                format!("--user-data-dir={}", profile.display()),
                            ],
                        },
                    }
                }
            });
            match b.raw("POST", "/session", Some(&caps)) {
                Ok(v) => {
                    b.session = v["sessionId"]
                        .as_str()
                        .unwrap_or_else(|| panic!("no sessionId in {v}"))
                        .to_string();
                    return b;
                }
                Err(e) => {
                    // Drop kills the driver; keep the profile for the next attempt.
                    last_error = format!("new session: {e} (log: {})", log.display());
                    drop(b);
                    let _ = std::fs::create_dir_all(&profile);
                }
            }
        }
        panic!("could not start a browser: {last_error}");
    }

    /// One command: `Ok(value)` or WebDriver's error.
    fn raw(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, WdError> {
        let (status, bytes) = http(self.port, method, path, body).map_err(|e| WdError {
            status: 0,
            error: "transport".into(),
            message: e,
        })?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| WdError {
            status,
            error: "not json".into(),
            message: format!("{e}: {}", String::from_utf8_lossy(&bytes)),
        })?;
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(WdError {
                status,
                error: value["error"].as_str().unwrap_or("unknown error").into(),
                message: value["message"]
                    .as_str()
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .into(),
            })
        }
    }

    /// A command of this session (`sub` starts with `/`, or is empty).
    fn cmd(&self, method: &str, sub: &str, body: Option<Value>) -> Result<Value, WdError> {
        let path = format!("/session/{}{sub}", self.session);
        let body = match (method, body) {
            ("POST", None) => Some(json!({})),
            (_, b) => b,
        };
        self.raw(method, &path, body.as_ref())
    }

    /// A command that must succeed.
    #[track_caller]
    fn must(&self, method: &str, sub: &str, body: Option<Value>) -> Value {
        self.cmd(method, sub, body)
            .unwrap_or_else(|e| panic!("webdriver {method} {sub}: {e} (at {})", self.url_or_why()))
    }

    fn url_or_why(&self) -> String {
        self.cmd("GET", "/url", None)
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .unwrap_or_else(|e| format!("url unknown: {e}"))
    }

    /// Opens `url` and waits for it to load.
    #[track_caller]
    pub fn goto(&self, url: &str) {
        self.must("POST", "/url", Some(json!({ "url": url })));
    }

    /// The current URL.
    #[track_caller]
    pub fn url(&self) -> String {
        self.must("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The current URL's path and query (`/portal?x=1`).
    #[track_caller]
    pub fn path(&self) -> String {
        let url = self.url();
        let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        after_scheme
            .find('/')
            .map_or("/".to_string(), |i| after_scheme[i..].to_string())
    }

    /// The page's title.
    #[track_caller]
    pub fn title(&self) -> String {
        self.must("GET", "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The page's HTML as the browser has it now.
    #[track_caller]
    pub fn source(&self) -> String {
        self.must("GET", "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn element_from(v: &Value, what: &str) -> Element {
        Element {
            id: v[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("no element in {v}"))
                .to_string(),
            what: what.to_string(),
        }
    }

    /// The first element matching `css`, if any.
    #[track_caller]
    pub fn try_find(&self, css: &str) -> Option<Element> {
        match self.cmd(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        ) {
            Ok(v) => Some(Self::element_from(&v, css)),
            Err(e) if e.error == "no such element" => None,
            Err(e) => panic!("find {css:?}: {e}"),
        }
    }

    /// The first element matching `css`; fails when there is none.
    #[track_caller]
    pub fn find(&self, css: &str) -> Element {
        self.try_find(css).unwrap_or_else(|| {
            panic!(
                "no element {css:?} on {} — page text:\n{}",
                self.url(),
                self.body_text()
            )
        })
    }

    /// Every element matching `css`.
    #[track_caller]
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let v = self.must(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        );
        v.as_array()
            .map(|a| a.iter().map(|e| Self::element_from(e, css)).collect())
            .unwrap_or_default()
    }

    /// Every element matching `css` inside `parent`.
    #[track_caller]
    pub fn find_in(&self, parent: &Element, css: &str) -> Vec<Element> {
        let v = self.must(
            "POST",
            &format!("/element/{}/elements", parent.id),
            Some(json!({ "using": "css selector", "value": css })),
        );
        let what = format!("{} {css}", parent.what);
        v.as_array()
            .map(|a| a.iter().map(|e| Self::element_from(e, &what)).collect())
            .unwrap_or_default()
    }

    /// Waits until an element matches `css` (pages load synchronously; this covers a
    /// navigation that is still finishing after a click).
    #[track_caller]
    pub fn wait_for(&self, css: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(e) = self.try_find(css) {
                return e;
            }
            if Instant::now() > deadline {
                return self.find(css);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the current path satisfies `ok`; returns it.
    #[track_caller]
    pub fn wait_path(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let p = self.path();
            if ok(&p) {
                return p;
            }
            if Instant::now() > deadline {
                panic!(
                    "waited for {what}, still at {p} — page text:\n{}",
                    self.body_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Clicks an element.
    #[track_caller]
    pub fn click(&self, e: &Element) {
        self.must("POST", &format!("/element/{}/click", e.id), None);
    }

    /// Clears a field and types `text` into it.
    #[track_caller]
    pub fn type_into(&self, e: &Element, text: &str) {
        self.must("POST", &format!("/element/{}/clear", e.id), None);
        self.must(
            "POST",
            &format!("/element/{}/value", e.id),
            Some(json!({ "text": text })),
        );
    }

    /// Clears the field matching `css` and types `text` into it.
    #[track_caller]
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.type_into(&e, text);
    }

    /// Picks the `<option>` of the `<select>` matching `css` whose value or visible text
    /// (trimmed) is `choice`.
    #[track_caller]
    pub fn select(&self, css: &str, choice: &str) {
        let select = self.find(css);
        let options = self.find_in(&select, "option");
        let mut seen = Vec::new();
        for o in &options {
            let value = self.property(o, "value");
            let text = self.text(o);
            if value == choice || text.trim() == choice {
                self.click(o);
                assert!(
                    self.property(o, "selected") == "true",
                    "option {choice:?} of {css:?} did not become selected"
                );
                return;
            }
            seen.push(format!("{value:?}={text:?}"));
        }
        panic!(
            "{css:?} has no option {choice:?}; it has {}",
            seen.join(", ")
        );
    }

    /// The visible text of an element.
    #[track_caller]
    pub fn text(&self, e: &Element) -> String {
        self.must("GET", &format!("/element/{}/text", e.id), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A DOM property of an element, as text (`""` when null).
    #[track_caller]
    pub fn property(&self, e: &Element, name: &str) -> String {
        match self.must("GET", &format!("/element/{}/property/{name}", e.id), None) {
            Value::Null => String::new(),
            Value::String(s) => s,
            other => other.to_string(),
        }
    }

    /// An attribute of an element (`None` when absent).
    #[track_caller]
    pub fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.must("GET", &format!("/element/{}/attribute/{name}", e.id), None)
            .as_str()
            .map(str::to_string)
    }

    /// The visible text of the whole page.
    #[track_caller]
    pub fn body_text(&self) -> String {
        match self.cmd(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": "body" })),
        ) {
            Ok(v) => {
                let e = Self::element_from(&v, "body");
                self.cmd("GET", &format!("/element/{}/text", e.id), None)
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .unwrap_or_else(|e| format!("(no text: {e})"))
            }
            Err(e) => format!("(no body: {e})"),
        }
    }

    /// Runs a script in the page and returns its value.
    #[track_caller]
    pub fn execute(&self, script: &str) -> Value {
        self.must(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Runs a script with one element as `arguments[0]` and a text as `arguments[1]`.
    #[track_caller]
    pub fn execute_on(&self, script: &str, e: &Element, text: &str) -> Value {
        self.must(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [{ ELEMENT: e.id }, text] })),
        )
    }

    /// Sets a field's value the way a picker would (for `datetime-local` inputs, whose typed
    /// form depends on the browser's locale), firing `input` and `change`.
    #[track_caller]
    pub fn set_value(&self, e: &Element, value: &str) {
        self.execute_on(
            "arguments[0].value = arguments[1];\
             arguments[0].dispatchEvent(new Event('input', { bubbles: true }));\
             arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
            e,
            value,
        );
        assert_eq!(
            self.property(e, "value"),
            value,
            "{} took no value {value:?}",
            e.what
        );
    }

    /// Resizes the window.
    #[track_caller]
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.must(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// The window's size.
    #[track_caller]
    pub fn window_size(&self) -> (u32, u32) {
        let v = self.must("GET", "/window/rect", None);
        let n = |k: &str| u32::try_from(v[k].as_u64().unwrap_or(0)).unwrap_or(0);
        (n("width"), n("height"))
    }

    /// Saves a screenshot of the viewport as PNG at `path` (directories are made).
    #[track_caller]
    pub fn screenshot(&self, path: &Path) {
        if let Err(e) = self.try_screenshot(path) {
            panic!("screenshot {}: {e}", path.display());
        }
    }

    /// [`Browser::screenshot`] that says what went wrong instead of failing (for a last
    /// picture while a failing test unwinds).
    pub fn try_screenshot(&self, path: &Path) -> Result<(), String> {
        let v = self
            .cmd("GET", "/screenshot", None)
            .map_err(|e| e.to_string())?;
        let png = base64_decode(v.as_str().unwrap_or_default())?;
        if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err("not a PNG".into());
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    /// Saves a screenshot of the whole page: the window is made as tall as the page (at most
    /// 4000 pixels) for the shot, then put back.
    #[track_caller]
    pub fn screenshot_full(&self, path: &Path) {
        let (w, h) = self.window_size();
        let page = self
            .execute(
                "return Math.max(document.documentElement.scrollHeight, \
                 document.body ? document.body.scrollHeight : 0);",
            )
            .as_u64()
            .unwrap_or(0);
        let inner = self
            .execute("return window.innerHeight;")
            .as_u64()
            .unwrap_or(u64::from(h));
        let chrome = u64::from(h).saturating_sub(inner);
        let want = u32::try_from((page + chrome).min(4000)).unwrap_or(h);
        if want > h {
            self.set_window_size(w, want);
            self.screenshot(path);
            self.set_window_size(w, h);
        } else {
            self.screenshot(path);
        }
    }

    /// Deletes every cookie of the current site (signs out without the form).
    #[track_caller]
    pub fn delete_cookies(&self) {
        self.must("DELETE", "/cookie", None);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.cmd("DELETE", "", None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
        if std::thread::panicking() {
            let _ = writeln!(
                std::io::stderr(),
                "chromedriver's log: {}",
                self.log.display()
            );
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

#[test]
fn base64_decodes() {
    assert_eq!(base64_decode("aGVsbG8=").as_deref(), Ok(&b"hello"[..]));
    assert_eq!(base64_decode("aGVsbG8h").as_deref(), Ok(&b"hello!"[..]));
    assert_eq!(base64_decode("aGV\nsbA==").as_deref(), Ok(&b"hell"[..]));
    assert!(base64_decode("a*b").is_err());
}
