//! Journeys through the web interface in a real browser (Debian's Chromium, driven by
//! ChromeDriver through [`crate::webdriver`]), against the whole application served over
//! HTTP on `127.0.0.1` from a fresh SQLite store with an injected clock.
//!
//! Each journey is a `#[test]` of its own (run once, on SQLite: the backends are covered by
//! the `cases!`); the people and customers a journey does not itself create through the pages
//! are made through the application services first. Every page a journey visits is saved as
//! a PNG under `target/screenshots/`, named `<journey>-<nn>-<step>.png`.
//!
//! Texts are asserted through the interface's own catalog ([`desk::i18n::Tr`]) where one
//! exists, so that rewording a label does not break a journey; the SLA's facts (dates,
//! times) are asserted literally.
//!
//! Without Chromium and ChromeDriver (`$CHROMIUM`/`$CHROMEDRIVER`, else `/usr/bin/chromium`
//! and `/usr/bin/chromedriver`) the journeys pass with a notice, unless `CI` is set or
//! `LOKET_REQUIRE_BROWSER=1`: then they fail. `source scripts/services.sh; install_chromium`
//! installs them.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use desk::clock::FixedClock;
use desk::i18n::Tr;
use desk::tickets::FileTicket;
use jiff::Timestamp;
use store::{NewPerson, OrgId, PersonId, Role, Store, TicketId};
use web::auth::{Caller, scope_of};
use web::{AppState, Config};

use crate::webdriver::{Browser, Tools};

/// Monday 2026-11-23 10:00 in Amsterdam: the journeys start inside Service Window 1.
const MONDAY: &str = "2026-11-23T09:00:00Z";
/// Friday 2026-11-27 18:15 in Amsterdam (CET): after Service Window 1 has closed.
const FRIDAY_EVENING: &str = "2026-11-27T17:15:00Z";
/// Monday 2026-11-30 10:30 in Amsterdam: the service desk is at work again.
const MONDAY_MORNING: &str = "2026-11-30T09:30:00Z";

/// The vendor administrator's password (as in `world.rs`).
const ADMIN_PASSWORD: &str = "beheer-wachtwoord-123";

/// Writes past the harness's output capture.
fn notice(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Chromium and ChromeDriver, or `None` after saying the journeys are skipped; panics
/// instead when `CI` is set or `LOKET_REQUIRE_BROWSER=1`.
fn tools() -> Option<Tools> {
    match Tools::find() {
        Ok(t) => Some(t),
        Err(why) => {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty());
            let required = std::env::var("LOKET_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
            assert!(
                !(ci || required),
                "no browser for the browser journeys ({why}), but they are required here (CI \
                 or LOKET_REQUIRE_BROWSER=1); run `source scripts/services.sh; \
                 install_chromium` first"
            );
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                notice(&format!(
                    "web it: no browser ({why}): the `browser::` journeys are SKIPPED (they pass \
                     without running). Run `source scripts/services.sh; install_chromium` \
                     first, or set LOKET_REQUIRE_BROWSER=1 to make this an error."
                ));
            });
            None
        }
    }
}

/// An RFC 3339 instant.
fn at(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("test instant {s}: {e}"))
}

/// `target/screenshots/`.
fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|p| p.join("screenshots"))
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots")
        });
    // A failure to make it shows when a screenshot is written (this also runs while unwinding).
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A catalog text, which must exist.
#[track_caller]
fn tr(lang: &str, key: &str) -> &'static str {
    let text = Tr::for_code(lang).get(key);
    assert!(
        text != "??" && text != key,
        "the {lang} catalog has no text for {key}"
    );
    text
}

/// Someone who can sign in.
#[derive(Debug, Clone)]
struct Who {
    id: PersonId,
    email: String,
    password: String,
    name: String,
    lang: &'static str,
}

/// One journey's world: a fresh store, the application served on `127.0.0.1`, a fixed clock,
/// the bootstrapped vendor administrator, and a browser.
struct Bench {
    journey: &'static str,
    browser: Browser,
    base: String,
    state: AppState,
    clock: Arc<FixedClock>,
    admin: Who,
    shots: std::cell::Cell<u32>,
    rt: Option<tokio::runtime::Runtime>,
    store: Store,
    dir: PathBuf,
    started: Instant,
}

impl Bench {
    /// Sets up `journey` with the clock at `now`, or `None` when there is no browser.
    fn new(journey: &'static str, now: &str) -> Option<Bench> {
        let tools = tools()?;
        let started = Instant::now();
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "loket-web-browser-{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let clock = Arc::new(FixedClock::new(at(now)));
        let (store, state, base, admin) = rt.block_on(async {
            let url = format!("sqlite:{}", dir.join("loket.db").display());
            let store = Store::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("connect {url}: {e}"));
            let state = AppState::new(store.clone(), clock.clone(), Config::default());
            let admin = bootstrap_admin(&state).await;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            let addr = listener.local_addr().expect("local address");
            tokio::spawn(web::serve(listener, state.clone()));
            (store, state, format!("http://{addr}"), admin)
        });
        // Stale screenshots of an earlier run of this journey would mislead.
        if let Ok(entries) = std::fs::read_dir(screenshot_dir()) {
            for e in entries.flatten() {
                if e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{journey}-"))
                {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let browser = Browser::start(&tools);
        Some(Bench {
            journey,
            browser,
            base,
            state,
            clock,
            admin,
            shots: std::cell::Cell::new(0),
            rt: Some(rt),
            store,
            dir,
            started,
        })
    }

    /// Runs a future on the server's runtime.
    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.as_ref().expect("runtime").block_on(f)
    }

    /// Moves the clock.
    fn set_time(&self, t: &str) {
        self.clock.set(at(t));
    }

    /// The caller of a person, for the application services.
    fn caller(&self, id: PersonId) -> Caller {
        let person = self
            .block_on(self.store.get_person(&store::Scope::System, id))
            .expect("person");
        Caller {
            scope: scope_of(&person),
            person,
            via_token: false,
        }
    }

    /// A customer made through the application services (by the administrator).
    fn customer(&self, name: &str) -> OrgId {
        let admin = self.caller(self.admin.id);
        self.block_on(self.state.create_org(&admin, name))
            .expect("create a customer")
            .id
    }

    /// A person made through the application services (by the administrator).
    fn person(
        &self,
        email: &str,
        name: &str,
        role: Role,
        org: Option<OrgId>,
        lang: &'static str,
    ) -> Who {
        let password = format!("wachtwoord-{}-{}", role.as_str(), email.len());
        let admin = self.caller(self.admin.id);
        let (p, _) = self.block_on(async {
            let hash = web::auth::hash_password(password.clone())
                .await
                .expect("hash");
            self.state
                .create_person(
                    Some(&admin),
                    NewPerson {
                        email: email.into(),
                        name: name.into(),
                        role,
                        org_id: org,
                        lang: lang.into(),
                        password_hash: Some(hash),
                    },
                )
                .await
                .expect("create a person")
        });
        Who {
            id: p.id,
            email: p.email,
            password,
            name: name.into(),
            lang,
        }
    }

    /// A ticket filed through the application services by `by` (a customer administrator).
    fn file(&self, by: &Who, input: FileTicket) -> TicketId {
        let caller = self.caller(by.id);
        self.block_on(self.state.file_ticket(&caller, input))
            .expect("file a ticket")
            .id
    }

    /// The full URL of a path.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Opens a path.
    #[track_caller]
    fn visit(&self, path: &str) {
        self.browser.goto(&self.url(path));
    }

    /// Saves a screenshot of the whole page as `<journey>-<nn>-<step>.png`.
    #[track_caller]
    fn shot(&self, step: &str) -> PathBuf {
        let n = self.shots.get() + 1;
        self.shots.set(n);
        let path = screenshot_dir().join(format!("{}-{n:02}-{step}.png", self.journey));
        self.browser.screenshot_full(&path);
        path
    }

    /// A phone-size screenshot (a 390×844 viewport) of the current page, then back to the
    /// desktop size.
    #[track_caller]
    fn phone_shot(&self, step: &str) -> PathBuf {
        let (w, h) = self.browser.window_size();
        self.browser.set_window_size(390, 844);
        // The window's height includes the browser's own bars: make the viewport 844 high.
        let inner = self
            .browser
            .execute("return window.innerHeight;")
            .as_u64()
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or(844);
        let (_, outer) = self.browser.window_size();
        self.browser
            .set_window_size(390, 844 + outer.saturating_sub(inner));
        let n = self.shots.get() + 1;
        self.shots.set(n);
        let path = screenshot_dir().join(format!("{}-{n:02}-{step}-phone.png", self.journey));
        self.browser.screenshot(&path);
        // And the whole page at that width.
        let full = screenshot_dir().join(format!("{}-{n:02}-{step}-phone-full.png", self.journey));
        self.browser.screenshot_full(&full);
        self.browser.set_window_size(w, h);
        path
    }

    /// The page's visible text.
    fn text(&self) -> String {
        self.browser.body_text()
    }

    /// Fails unless the page's visible text contains every one of `needles`.
    #[track_caller]
    fn sees(&self, needles: &[&str]) {
        let text = self.text();
        for n in needles {
            assert!(
                text.contains(n),
                "{}: expected {n:?} on {} — page text:\n{text}",
                self.journey,
                self.browser.path()
            );
        }
    }

    /// Fails if the page's visible text contains any of `needles`.
    #[track_caller]
    fn does_not_see(&self, needles: &[&str]) {
        let text = self.text();
        for n in needles {
            assert!(
                !text.contains(n),
                "{}: did not expect {n:?} on {} — page text:\n{text}",
                self.journey,
                self.browser.path()
            );
        }
    }

    /// Fails unless `<html lang>` is `lang`.
    #[track_caller]
    fn page_lang(&self, lang: &str) {
        let html = self.browser.find("html");
        assert_eq!(
            self.browser.attribute(&html, "lang").as_deref(),
            Some(lang),
            "{}: <html lang> of {}",
            self.journey,
            self.browser.path()
        );
    }

    /// Clicks the element matching `css`.
    #[track_caller]
    fn click(&self, css: &str) {
        let e = self.browser.find(css);
        self.browser.click(&e);
    }

    /// Clicks the submit button of the form matching `form`.
    #[track_caller]
    fn submit(&self, form: &str) {
        self.click(&format!("{form} button[type=submit]"));
    }

    /// Fails if an element matches `css`.
    #[track_caller]
    fn absent(&self, css: &str) {
        assert!(
            self.browser.try_find(css).is_none(),
            "{}: {css:?} should not be on {}",
            self.journey,
            self.browser.path()
        );
    }

    /// The text of the first table row under `table` that contains `needle`.
    #[track_caller]
    fn row_with(&self, table: &str, needle: &str) -> String {
        let rows = self.browser.find_all(&format!("{table} tbody tr"));
        let texts: Vec<String> = rows.iter().map(|r| self.browser.text(r)).collect();
        texts
            .iter()
            .find(|t| t.contains(needle))
            .cloned()
            .unwrap_or_else(|| {
                panic!(
                    "{}: no row with {needle:?} in {table} on {}; rows: {texts:#?}",
                    self.journey,
                    self.browser.path()
                )
            })
    }

    /// The text of the element matching `css`.
    #[track_caller]
    fn text_of(&self, css: &str) -> String {
        let e = self.browser.find(css);
        self.browser.text(&e)
    }

    /// The id in a `/tickets/{id}` path.
    #[track_caller]
    fn ticket_id_of(&self, path: &str) -> i64 {
        path.strip_prefix("/tickets/")
            .and_then(|r| r.split(['?', '#', '/']).next())
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("{}: {path} is not a ticket page", self.journey))
    }

    /// Signs in through the form as `who` (after signing out whoever was signed in);
    /// returns the path the sign-in led to.
    #[track_caller]
    fn sign_in(&self, who: &Who, step: &str) -> String {
        // Whoever was signed in is forgotten (cookies are deleted on a page of the site).
        self.visit("/login");
        self.browser.delete_cookies();
        self.visit(&format!("/login?lang={}", who.lang));
        self.browser.wait_for("form[action='/login'] #email");
        self.browser.fill("#email", &who.email);
        self.browser.fill("#password", &who.password);
        self.shot(&format!("{step}-login"));
        let submit = self
            .browser
            .find("form[action='/login'] button[type=submit]");
        self.browser.click(&submit);
        let path = self
            .browser
            .wait_path("leaving /login", |p| !p.starts_with("/login"));
        // The layout names who is signed in.
        self.browser.wait_for("form.signout");
        self.sees(&[&who.name]);
        path
    }

    /// Switches the signed-in person's language with the layout's button, from `from` to
    /// `to`, and waits for the page to come back in `to`.
    #[track_caller]
    fn switch_language(&self, from: &str, to: &str) {
        let button = self.browser.find("header form.lang button[type=submit]");
        assert_eq!(
            self.browser.text(&button).trim(),
            tr(from, "lang.other_name"),
            "{}: the layout offers {to}",
            self.journey
        );
        self.browser.click(&button);
        self.browser.wait_for(&format!("html[lang={to}]"));
        self.page_lang(to);
    }

    /// Signs out through the layout's button.
    #[track_caller]
    fn sign_out(&self) {
        let button = self.browser.find("form.signout button[type=submit]");
        self.browser.click(&button);
        self.browser
            .wait_path("the sign-in page", |p| p.starts_with("/login"));
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The page the journey failed on (without panicking again).
            let path = screenshot_dir().join(format!("{}-FAILED.png", self.journey));
            match self.browser.try_screenshot(&path) {
                Ok(()) => notice(&format!(
                    "web it: browser journey {} failed on this page: {}",
                    self.journey,
                    path.display()
                )),
                Err(e) => notice(&format!("web it: no screenshot of the failure: {e}")),
            }
        }
        if let Some(rt) = self.rt.take() {
            let store = self.store.clone();
            rt.block_on(async move { store.close().await });
            rt.shutdown_background();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        notice(&format!(
            "web it: browser journey {} took {:.1}s ({} screenshots in {})",
            self.journey,
            self.started.elapsed().as_secs_f64(),
            self.shots.get(),
            screenshot_dir().display()
        ));
    }
}

/// Creates the first administrator the way `loket serve` does.
async fn bootstrap_admin(state: &AppState) -> Who {
    let hash = web::auth::hash_password(ADMIN_PASSWORD.into())
        .await
        .expect("hash");
    let (p, _) = state
        .create_person(
            None,
            NewPerson {
                email: "beheer.leverancier@loket.example".into(),
                name: "Ada Beheer".into(),
                role: Role::Admin,
                org_id: None,
                lang: "nl".into(),
                password_hash: Some(hash),
            },
        )
        .await
        .expect("bootstrap admin");
    Who {
        id: p.id,
        email: p.email,
        password: ADMIN_PASSWORD.into(),
        name: "Ada Beheer".into(),
        lang: "nl",
    }
}

/// The sign-in page in both languages: a wrong password is refused with the catalog's
/// message and keeps the address; the right one signs in and signing out returns here.
#[test]
fn journey_sign_in() {
    let Some(b) = Bench::new("sign-in", MONDAY) else {
        return;
    };
    // Dutch by default.
    b.visit("/login");
    b.page_lang("nl");
    assert!(b.browser.title().starts_with(tr("nl", "login.title")));
    b.sees(&[tr("nl", "login.title"), tr("nl", "login.no_announcements")]);
    b.shot("login-nl");

    // A wrong password: refused with the reason, the address kept.
    b.browser.fill("#email", &b.admin.email);
    b.browser.fill("#password", "niet-het-wachtwoord");
    b.submit("form[action='/login']");
    b.browser.wait_for("[role=alert]");
    b.sees(&[tr("nl", "login.failed")]);
    let email = b.browser.find("#email");
    assert_eq!(b.browser.property(&email, "value"), b.admin.email);
    b.absent("form.signout");
    b.shot("login-refused");

    // A way to English.
    let switch = b.browser.find("a[href='/login?lang=en']");
    assert_eq!(
        b.browser.text(&switch).trim(),
        tr("nl", "login.lang_switch")
    );
    b.browser.click(&switch);
    b.browser
        .wait_path("the English sign-in page", |p| p == "/login?lang=en");
    b.page_lang("en");
    b.sees(&[tr("en", "login.title"), tr("en", "login.email")]);
    b.does_not_see(&[tr("nl", "login.password")]);
    b.shot("login-en");

    // The right password: in, and the layout says who.
    let landed = b.sign_in(&b.admin, "admin");
    assert!(
        landed.starts_with("/desk"),
        "the administrator lands on the workspace, not {landed}"
    );
    b.shot("signed-in");
    b.sign_out();
    b.sees(&[tr("nl", "login.title")]);
    b.shot("signed-out");

    // Signed out, a page leads to the sign-in, and signing in there leads back to it.
    b.visit("/admin/people");
    let back = b
        .browser
        .wait_path("the sign-in page", |p| p.starts_with("/login"));
    assert_eq!(back, "/login?next=%2Fadmin%2Fpeople");
    b.browser.fill("#email", &b.admin.email);
    b.browser.fill("#password", &b.admin.password);
    b.submit("form[action='/login']");
    b.browser
        .wait_path("the page asked for", |p| p == "/admin/people");
    b.sees(&[tr("nl", "admin.staff.title")]);
    b.shot("signed-in-to-next");
}

/// The Dutch and English words of the SLA's vocabulary.
const NL: sla::Lang = sla::Lang::Nl;
const EN: sla::Lang = sla::Lang::En;

/// A catalog text with its `{name}` placeholders filled.
#[track_caller]
fn trf(lang: &str, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = tr(lang, key).to_string();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// An urgent incident as a customer administrator files it.
fn urgent(subject: &str, description: &str) -> FileTicket {
    FileTicket {
        kind: sla::TicketKind::Incident,
        priority: Some(sla::Priority::Urgent),
        subject: subject.into(),
        description: description.into(),
        organization_id: None,
        reporter_id: None,
        received_at: None,
    }
}

/// a. The vendor's administrator signs in through the form and adds a customer and that
/// customer's administrator through the administration pages; the new administrator can sign
/// in at once.
#[test]
fn journey_a_admin_adds_customer_and_administrator() {
    let Some(b) = Bench::new("a-admin", MONDAY) else {
        return;
    };
    let landed = b.sign_in(&b.admin, "admin");
    assert!(
        landed.starts_with("/desk"),
        "the administrator lands on {landed}"
    );
    b.sees(&[tr("nl", "desk.title"), tr("nl", "nav.admin")]);
    b.shot("queue");

    b.click("header nav a[href='/admin']");
    b.browser.wait_path("the customers page", |p| p == "/admin");
    b.page_lang("nl");
    b.sees(&[
        tr("nl", "admin.customers.title"),
        tr("nl", "admin.customers.none"),
    ]);
    b.shot("customers-none");

    // A name of only spaces is refused next to the field, and nothing is added.
    b.browser.fill("#org-name", "   ");
    b.submit("form[action='/admin/customers']");
    b.browser.wait_for("#org-name-error");
    b.sees(&[
        tr("nl", "admin.form.failed"),
        tr("nl", "admin.err.org_name"),
    ]);
    b.shot("customer-name-missing");

    b.browser.fill("#org-name", "Gemeente Zuidhoven");
    b.submit("form[action='/admin/customers']");
    let path = b.browser.wait_path("the new customer's page", |p| {
        p.starts_with("/admin/customers/")
    });
    let org: i64 = path
        .trim_start_matches("/admin/customers/")
        .split(['?', '#'])
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no customer id in {path}"));
    assert_eq!(b.text_of("main h1"), "Gemeente Zuidhoven");
    b.sees(&[
        tr("nl", "admin.customers.added"),
        tr("nl", "admin.agreement.standard"),
        tr("nl", "admin.people.none"),
    ]);
    b.shot("customer-added");

    // Its administrator, with a first password.
    b.browser.fill("#person-name", "Jan de Vries");
    b.browser
        .fill("#person-email", "Jan.deVries@zuidhoven.example");
    b.browser.select("#person-role", "customer_admin");
    b.browser.select("#person-lang", "Nederlands");
    b.browser.fill("#person-password", "Korenbloem-2026!");
    b.shot("administrator-form");
    b.submit("form[action='/admin/people']");
    b.browser.wait_path("the customer's page again", |p| {
        p.starts_with(&format!("/admin/customers/{org}")) && p.contains("created=")
    });
    b.sees(&["Jan de Vries", tr("nl", "admin.people.created")]);
    let row = b.row_with("#people table", "jan.devries@zuidhoven.example");
    assert!(
        row.contains(tr("nl", "admin.role.customer_admin")),
        "the new person is an administrator: {row}"
    );
    let count = b.text_of("#admin-count");
    assert!(
        count.starts_with(&format!("1 {}", tr("nl", "admin.of"))),
        "one administrator in use: {count}"
    );
    let person_row = b
        .browser
        .find_all("#people table tbody tr")
        .into_iter()
        .find(|r| b.browser.text(r).contains("jan.devries@zuidhoven.example"))
        .expect("the new person's row");
    let jan_id = b
        .browser
        .attribute(&person_row, "id")
        .and_then(|id| id.strip_prefix("person-")?.parse().ok())
        .map(PersonId)
        .expect("person-<id> on the row");
    b.shot("administrator-added");

    // The customer in the list, with its administrator counted.
    b.click(".admin-sub a[href='/admin']");
    b.browser.wait_path("the customers page", |p| p == "/admin");
    let row = b.row_with("main table", "Gemeente Zuidhoven");
    assert!(row.contains("1 "), "one administrator: {row}");
    b.shot("customers");
    b.click(".admin-sub a[href='/admin/people']");
    b.browser
        .wait_path("the staff page", |p| p == "/admin/people");
    b.sees(&[tr("nl", "admin.staff.title"), "Ada Beheer"]);
    b.shot("staff");

    // The new administrator signs in with that password and sees the empty portal.
    let jan = Who {
        id: jan_id,
        email: "jan.devries@zuidhoven.example".into(),
        password: "Korenbloem-2026!".into(),
        name: "Jan de Vries".into(),
        lang: "nl",
    };
    let landed = b.sign_in(&jan, "administrator");
    assert_eq!(landed, "/portal");
    b.sees(&[tr("nl", "portal.title"), tr("nl", "portal.none_open")]);
    b.shot("administrator-portal");
}

/// b. On Friday 27 November 2026 at 18:15, after Service Window 1 has closed, a customer
/// administrator files an urgent incident through the portal: the form and the ticket page
/// say the clock starts on Monday at 09:00, with the 90%-termijn at 13:00 and the
/// 100%-termijn at 15:00.
#[test]
fn journey_b_urgent_incident_after_hours() {
    let Some(b) = Bench::new("b-after-hours", FRIDAY_EVENING) else {
        return;
    };
    let org = b.customer("Gemeente Zuidhoven");
    let jan = b.person(
        "jan.devries@zuidhoven.example",
        "Jan de Vries",
        Role::CustomerAdmin,
        Some(org),
        "nl",
    );
    let landed = b.sign_in(&jan, "administrator");
    assert_eq!(landed, "/portal");
    b.sees(&[tr("nl", "portal.title"), tr("nl", "portal.none_open")]);
    b.shot("portal-empty");

    b.click("main a[href='/portal/new']");
    b.browser
        .wait_path("the filing form", |p| p == "/portal/new");
    b.sees(&[tr("nl", "portal.new_title"), tr("nl", "portal.kind")]);
    let starts = b.text_of("form[action='/portal/tickets'] .notice");
    assert!(
        starts.contains("ma 30 nov 09:00"),
        "the form says when the clock will start: {starts}"
    );
    b.shot("form");

    // An incident without a priority comes back with the reason, and what was typed kept.
    b.click("#kind-incident");
    b.browser.fill("#subject", "Niemand kan inloggen");
    b.browser.fill(
        "#description",
        "Sinds 18:00 krijgt iedereen een foutmelding.",
    );
    b.submit("form[action='/portal/tickets']");
    b.browser.wait_for("#priority-error");
    b.sees(&[
        tr("nl", "portal.error.summary"),
        tr("nl", "portal.error.priority"),
    ]);
    let subject = b.browser.find("#subject");
    assert_eq!(
        b.browser.property(&subject, "value"),
        "Niemand kan inloggen"
    );
    let incident = b.browser.find("#kind-incident");
    assert_eq!(b.browser.property(&incident, "checked"), "true");
    b.shot("form-without-priority");

    b.click("#priority-urgent");
    b.submit("form[action='/portal/tickets']");
    let path = b
        .browser
        .wait_path("the new ticket's page", |p| p.starts_with("/tickets/"));
    let id = b.ticket_id_of(&path);
    b.sees(&[
        tr("nl", "ticket.notice.filed"),
        "Niemand kan inloggen",
        "Sinds 18:00 krijgt iedereen een foutmelding.",
    ]);
    let facts = b.text_of("dl.pt-facts");
    for word in [
        sla::TicketKind::Incident.label(NL),
        sla::Priority::Urgent.label(NL),
        sla::Status::New.label(NL),
        sla::Channel::Web.label(NL),
        "Jan de Vries",
    ] {
        assert!(facts.contains(word), "{word:?} in the facts: {facts}");
    }
    // Received Friday 18:15; the clock starts Monday 09:00.
    let clock = b.text_of("ol.pt-clock");
    assert!(clock.contains(tr("nl", "ticket.clock_starts")), "{clock}");
    let times: Vec<String> = b
        .browser
        .find_all("ol.pt-clock time")
        .iter()
        .map(|t| b.browser.text(t))
        .collect();
    assert_eq!(times, ["vr 27 nov 18:15", "ma 30 nov 09:00"], "{clock}");
    let t90 = b.row_with("table.pt-targets", "90%");
    assert!(t90.contains("ma 30 nov 13:00"), "90%-termijn: {t90}");
    let t100 = b.row_with("table.pt-targets", "100%");
    assert!(t100.contains("ma 30 nov 15:00"), "100%-termijn: {t100}");
    let sla_now = b.text_of(".pt-sla");
    for part in [
        trf("nl", "sla.clock_starts", &[("at", "ma 30 nov 09:00")]),
        trf("nl", "sla.target", &[("p", "90%"), ("at", "ma 13:00")]),
    ] {
        assert!(sla_now.contains(&part), "{part:?} in {sla_now:?}");
    }
    b.shot("ticket");

    // The portal lists it with its SLA state.
    b.click("header nav a[href='/portal']");
    b.browser.wait_path("the portal", |p| p == "/portal");
    let row = b.row_with("table.pt-tickets", "Niemand kan inloggen");
    for part in [
        format!("#{id}"),
        sla::Priority::Urgent.label(NL).to_string(),
        trf("nl", "sla.clock_starts", &[("at", "ma 30 nov 09:00")]),
    ] {
        assert!(row.contains(&part), "{part:?} in the portal's row: {row}");
    }
    b.shot("portal");
    b.phone_shot("portal");
}

/// c. On Monday morning an agent registers a phone call of the customer's administrator on
/// `/desk/phone` (received at 10:05, typed in), then resolves Friday evening's urgent incident
/// from its ticket page; the customer's administrator is then asked to close or reopen it.
#[test]
fn journey_c_phone_call_and_resolution() {
    let Some(b) = Bench::new("c-phone-resolve", FRIDAY_EVENING) else {
        return;
    };
    let org = b.customer("Gemeente Zuidhoven");
    let jan = b.person(
        "jan.devries@zuidhoven.example",
        "Jan de Vries",
        Role::CustomerAdmin,
        Some(org),
        "nl",
    );
    let agent = b.person(
        "p.pieters@loket.example",
        "Piet Pieters",
        Role::Agent,
        None,
        "nl",
    );
    let incident = b.file(
        &jan,
        urgent(
            "Niemand kan inloggen",
            "Sinds 18:00 krijgt iedereen een foutmelding.",
        ),
    );
    b.set_time(MONDAY_MORNING);

    let landed = b.sign_in(&agent, "agent");
    assert!(landed.starts_with("/desk"), "the agent lands on {landed}");
    b.sees(&[tr("nl", "desk.title")]);
    let row = b.row_with("table", "Niemand kan inloggen");
    for part in [
        "Gemeente Zuidhoven".to_string(),
        trf("nl", "sla.target", &[("p", "90%"), ("at", "ma 13:00")]),
        // 10:30 on the clock: two and a half business hours before 13:00.
        trf("nl", "sla.left", &[("d", "2 u 30 m")]),
    ] {
        assert!(row.contains(&part), "{part:?} in the queue's row: {row}");
    }
    b.shot("queue");
    b.phone_shot("queue");

    b.click("main a[href='/desk/phone']");
    b.browser
        .wait_path("the phone form", |p| p == "/desk/phone");
    b.sees(&[
        tr("nl", "desk.phone.title"),
        tr("nl", "desk.phone.reporter"),
    ]);
    let received = b.browser.find("#received_at");
    assert_eq!(
        b.browser.property(&received, "value"),
        "2026-11-30T10:30",
        "the call came in now (local time) unless told otherwise"
    );
    b.shot("phone-form");
    b.browser.select("#reporter", &jan.id.0.to_string());
    b.browser.set_value(&received, "2026-11-30T10:05");
    b.browser
        .select("#kind", sla::TicketKind::Incident.as_str());
    b.browser.select("#priority", sla::Priority::High.as_str());
    b.browser.fill("#subject", "Facturen komen niet aan");
    b.browser.fill(
        "#description",
        "Jan belde om 10:05: sinds vanochtend komen er geen facturen binnen.",
    );
    b.shot("phone-filled");
    b.submit("form[action='/desk/phone']");
    let path = b
        .browser
        .wait_path("the registered ticket", |p| p.starts_with("/tickets/"));
    let phoned = b.ticket_id_of(&path);
    assert_ne!(phoned, incident.0);
    b.sees(&["Facturen komen niet aan"]);
    let facts = b.text_of("dl.pt-facts");
    for word in [
        sla::Channel::Phone.label(NL),
        sla::Priority::High.label(NL),
        "Jan de Vries",
        "Gemeente Zuidhoven",
    ] {
        assert!(facts.contains(word), "{word:?} in the facts: {facts}");
    }
    let first_time = b.text_of("ol.pt-clock time");
    assert_eq!(
        first_time, "ma 30 nov 10:05",
        "received when the call came in"
    );
    b.shot("phone-ticket");

    // A bulk action from the queue: the phoned ticket assigned to the agent.
    b.click("header nav a[href='/desk']");
    b.browser.wait_path("the queue", |p| p.starts_with("/desk"));
    b.click(&format!("#sel-{phoned}"));
    b.browser.select("#bulk-action", "assign_me");
    b.submit("form[action='/desk/bulk']");
    b.browser
        .wait_path("the bulk result", |p| p == "/desk/bulk");
    b.sees(&[
        tr("nl", "desk.bulk.result_title"),
        tr("nl", "desk.bulk.changed"),
    ]);
    b.shot("bulk-result");

    // Friday's incident, from the queue, resolved.
    b.click("header nav a[href='/desk']");
    b.browser.wait_path("the queue", |p| p.starts_with("/desk"));
    b.click(&format!("main a[href='/tickets/{}']", incident.0));
    b.browser
        .wait_path("the incident", |p| p == format!("/tickets/{}", incident.0));
    b.sees(&["Niemand kan inloggen", tr("nl", "ticket.desk")]);
    b.shot("incident");
    b.browser.select("#status", sla::Status::Resolved.as_str());
    b.browser.fill(
        "#status-reason",
        "Wachtwoordserver herstart; iedereen kan weer inloggen.",
    );
    b.submit(&format!("form[action='/tickets/{}/status']", incident.0));
    b.browser.wait_for("main .notice");
    b.sees(&[
        tr("nl", "ticket.notice.status"),
        "Wachtwoordserver herstart; iedereen kan weer inloggen.",
    ]);
    let facts = b.text_of("dl.pt-facts");
    assert!(
        facts.contains(sla::Status::Resolved.label(NL)),
        "resolved: {facts}"
    );
    let sla_now = b.text_of(".pt-sla");
    assert!(
        sla_now.contains(tr("nl", "sla.met_resolution")),
        "resolved within both targets: {sla_now}"
    );
    b.shot("resolved");

    // The customer's administrator sees it resolved and may close or reopen it.
    b.sign_in(&jan, "administrator");
    b.visit(&format!("/tickets/{}", incident.0));
    b.sees(&[
        tr("nl", "ticket.decide"),
        tr("nl", "ticket.reopen"),
        tr("nl", "sla.met_resolution"),
    ]);
    b.shot("customer-decides");
}

/// d. A viewer of the customer reads its tickets but has no way to file one: no link, and
/// `/portal/new` is the refusal page.
#[test]
fn journey_d_viewer_reads_but_cannot_file() {
    let Some(b) = Bench::new("d-viewer", MONDAY) else {
        return;
    };
    let org = b.customer("Gemeente Zuidhoven");
    let jan = b.person(
        "jan.devries@zuidhoven.example",
        "Jan de Vries",
        Role::CustomerAdmin,
        Some(org),
        "nl",
    );
    let vera = b.person(
        "v.kijker@zuidhoven.example",
        "Vera Kijker",
        Role::CustomerViewer,
        Some(org),
        "nl",
    );
    let id = b.file(
        &jan,
        FileTicket {
            priority: Some(sla::Priority::Normal),
            ..urgent(
                "Printer doet het niet",
                "De printer op de tweede verdieping.",
            )
        },
    );

    let landed = b.sign_in(&vera, "viewer");
    assert_eq!(landed, "/portal");
    let row = b.row_with("table.pt-tickets", "Printer doet het niet");
    assert!(row.contains(sla::Priority::Normal.label(NL)), "{row}");
    b.absent("a[href='/portal/new']");
    b.does_not_see(&[tr("nl", "nav.new")]);
    b.shot("portal");

    b.click(&format!("main a[href='/tickets/{}']", id.0));
    b.browser
        .wait_path("the ticket", |p| p == format!("/tickets/{}", id.0));
    b.sees(&["Printer doet het niet", "Jan de Vries"]);
    b.absent("a[href='/portal/new']");
    b.shot("ticket");

    b.visit("/portal/new");
    b.sees(&[
        tr("nl", "error.title"),
        tr("nl", "portal.viewer_cannot_file"),
    ]);
    b.absent("form[action='/portal/tickets']");
    b.shot("refused");
}

/// e. An administrator of another customer cannot see the ticket: its page says not found,
/// exactly as for a ticket that does not exist.
#[test]
fn journey_e_other_customer_sees_not_found() {
    let Some(b) = Bench::new("e-other-customer", MONDAY) else {
        return;
    };
    let a = b.customer("Gemeente Zuidhoven");
    let other = b.customer("Waterschap Noorderzijl");
    let jan = b.person(
        "jan.devries@zuidhoven.example",
        "Jan de Vries",
        Role::CustomerAdmin,
        Some(a),
        "nl",
    );
    let kees = b.person(
        "k.bakker@noorderzijl.example",
        "Kees Bakker",
        Role::CustomerAdmin,
        Some(other),
        "nl",
    );
    let id = b.file(
        &jan,
        urgent("Zuidhoven: niemand kan inloggen", "Vertrouwelijk."),
    );

    let landed = b.sign_in(&kees, "other-administrator");
    assert_eq!(landed, "/portal");
    b.sees(&[tr("nl", "portal.none_open")]);
    b.does_not_see(&["Zuidhoven: niemand kan inloggen"]);
    b.shot("portal");

    b.visit(&format!("/tickets/{}", id.0));
    b.sees(&[tr("nl", "error.title"), tr("nl", "error.not_found")]);
    b.does_not_see(&["Zuidhoven: niemand kan inloggen", "Gemeente Zuidhoven"]);
    assert!(
        !b.browser.source().contains("Vertrouwelijk"),
        "nothing of the ticket is in the page's source"
    );
    let refused = b.text();
    b.shot("not-found");

    b.visit(&format!("/tickets/{}", id.0 + 1000));
    assert_eq!(
        b.text(),
        refused,
        "another customer's ticket and a ticket that does not exist look the same"
    );
    b.shot("no-such-ticket");
}

/// f. English: the administrator adds a person who reads English; that person, an English
/// agent and an English administrator see every page in English, the SLA's dates included.
#[test]
fn journey_f_english() {
    let Some(b) = Bench::new("f-english", FRIDAY_EVENING) else {
        return;
    };
    let org = b.customer("Gemeente Zuidhoven");

    // The (Dutch) administrator adds Emma, who reads English.
    b.sign_in(&b.admin, "admin");
    b.visit(&format!("/admin/customers/{}", org.0));
    b.browser.fill("#person-name", "Emma Clarke");
    b.browser
        .fill("#person-email", "emma.clarke@zuidhoven.example");
    b.browser.select("#person-role", "customer_admin");
    b.browser.select("#person-lang", "English");
    b.browser.fill("#person-password", "Cornflower-2026!");
    b.submit("form[action='/admin/people']");
    b.browser
        .wait_path("the customer's page again", |p| p.contains("created="));
    b.sees(&["Emma Clarke", tr("nl", "admin.people.created")]);
    b.shot("admin-adds-english-person");
    let emma_id = b
        .browser
        .find_all("#people table tbody tr")
        .into_iter()
        .find_map(|r| {
            b.browser
                .attribute(&r, "id")?
                .strip_prefix("person-")?
                .parse()
                .ok()
        })
        .map(PersonId)
        .expect("Emma's row");
    let emma = Who {
        id: emma_id,
        email: "emma.clarke@zuidhoven.example".into(),
        password: "Cornflower-2026!".into(),
        name: "Emma Clarke".into(),
        lang: "en",
    };

    let landed = b.sign_in(&emma, "customer");
    assert_eq!(landed, "/portal");
    b.page_lang("en");
    b.sees(&[
        tr("en", "portal.title"),
        tr("en", "nav.new"),
        tr("en", "nav.signout"),
        tr("en", "portal.none_open"),
    ]);
    b.does_not_see(&[tr("nl", "nav.signout"), tr("nl", "portal.none_open")]);
    b.shot("portal-empty");

    b.click("main a[href='/portal/new']");
    b.browser
        .wait_path("the filing form", |p| p == "/portal/new");
    b.page_lang("en");
    b.sees(&[tr("en", "portal.new_title"), tr("en", "portal.submit")]);
    let starts = b.text_of("form[action='/portal/tickets'] .notice");
    assert!(starts.contains("Mon 30 Nov 09:00"), "{starts}");
    b.shot("form");
    b.click("#kind-incident");
    b.click("#priority-urgent");
    b.browser.fill("#subject", "Nobody can sign in");
    b.submit("form[action='/portal/tickets']");
    let path = b
        .browser
        .wait_path("the new ticket's page", |p| p.starts_with("/tickets/"));
    let id = b.ticket_id_of(&path);
    b.page_lang("en");
    b.sees(&[
        tr("en", "ticket.notice.filed"),
        tr("en", "ticket.facts"),
        tr("en", "ticket.history"),
    ]);
    let facts = b.text_of("dl.pt-facts");
    for word in [
        sla::Priority::Urgent.label(EN),
        sla::Channel::Web.label(EN),
        tr("en", "ticket.kind"),
        tr("en", "ticket.reporter"),
    ] {
        assert!(facts.contains(word), "{word:?} in the facts: {facts}");
    }
    let times: Vec<String> = b
        .browser
        .find_all("ol.pt-clock time")
        .iter()
        .map(|t| b.browser.text(t))
        .collect();
    assert_eq!(times, ["Fri 27 Nov 18:15", "Mon 30 Nov 09:00"]);
    assert!(
        b.row_with("table.pt-targets", "90%")
            .contains("Mon 30 Nov 13:00")
    );
    assert!(
        b.row_with("table.pt-targets", "100%")
            .contains("Mon 30 Nov 15:00")
    );
    let sla_now = b.text_of(".pt-sla");
    let starts = trf("en", "sla.clock_starts", &[("at", "Mon 30 Nov 09:00")]);
    assert!(sla_now.contains(&starts), "{starts:?} in {sla_now:?}");
    b.shot("ticket");
    b.click("header nav a[href='/portal']");
    b.browser.wait_path("the portal", |p| p == "/portal");
    b.row_with("table.pt-tickets", "Nobody can sign in");
    b.sees(&[tr("en", "portal.caption_open")]);
    b.shot("portal");
    b.phone_shot("portal");

    // On Monday morning a Dutch agent switches to English from the layout.
    b.set_time(MONDAY_MORNING);
    let agent = b.person(
        "s.smith@loket.example",
        "Sam Smith",
        Role::Agent,
        None,
        "nl",
    );
    let landed = b.sign_in(&agent, "agent");
    assert!(landed.starts_with("/desk"), "{landed}");
    b.page_lang("nl");
    b.sees(&[tr("nl", "desk.title")]);
    b.shot("queue-nl");
    b.switch_language("nl", "en");
    b.browser
        .wait_path("back on the queue", |p| p.starts_with("/desk"));
    b.sees(&[
        tr("en", "desk.title"),
        tr("en", "desk.filter.title"),
        tr("en", "desk.phone.link"),
    ]);
    b.does_not_see(&[tr("nl", "desk.title"), tr("nl", "nav.signout")]);
    let row = b.row_with("table", "Nobody can sign in");
    let left = trf("en", "sla.left", &[("d", "2 h 30 m")]);
    assert!(row.contains(&left), "{left:?} in the queue's row: {row}");
    b.shot("queue");
    b.phone_shot("queue");
    // A bulk action in English: the ticket assigned to the agent.
    b.click(&format!("#sel-{id}"));
    b.browser.select("#bulk-action", "assign_me");
    b.submit("form[action='/desk/bulk']");
    b.browser
        .wait_path("the bulk result", |p| p == "/desk/bulk");
    b.sees(&[
        tr("en", "desk.bulk.result_title"),
        tr("en", "desk.bulk.changed"),
    ]);
    b.shot("bulk-result");
    b.visit("/desk");
    b.click("main a[href='/desk/phone']");
    b.browser
        .wait_path("the phone form", |p| p == "/desk/phone");
    b.sees(&[tr("en", "desk.phone.title"), tr("en", "desk.phone.submit")]);
    b.shot("phone-form");
    b.visit(&format!("/tickets/{id}"));
    b.sees(&[
        tr("en", "ticket.desk"),
        tr("en", "ticket.set_status"),
        tr("en", "ticket.assign"),
    ]);
    b.shot("ticket-desk");

    // An English administrator.
    let edith = b.person(
        "e.jones@loket.example",
        "Edith Jones",
        Role::Admin,
        None,
        "en",
    );
    b.sign_in(&edith, "admin-en");
    b.visit("/admin");
    b.page_lang("en");
    b.sees(&[
        tr("en", "admin.customers.title"),
        tr("en", "admin.customers.add"),
    ]);
    b.row_with("main table", "Gemeente Zuidhoven");
    b.shot("customers");
    b.visit(&format!("/admin/customers/{}", org.0));
    b.sees(&[
        tr("en", "admin.agreement.title"),
        tr("en", "admin.people.title"),
        "Emma Clarke",
    ]);
    b.shot("customer");
    b.visit("/admin/people");
    b.sees(&[tr("en", "admin.staff.title"), "Sam Smith", "Edith Jones"]);
    b.shot("staff");
    b.visit("/tickets/999999");
    b.sees(&[tr("en", "error.title"), tr("en", "error.not_found")]);
    b.shot("not-found");

    // The agent's choice is kept on their account: English at the next sign-in, until they
    // switch back.
    let agent = Who {
        lang: "en",
        ..agent
    };
    b.sign_in(&agent, "agent-again");
    b.page_lang("en");
    b.sees(&[tr("en", "desk.title")]);
    b.switch_language("en", "nl");
    b.sees(&[tr("nl", "desk.title"), tr("nl", "nav.signout")]);
    b.shot("queue-back-to-nl");

    // An English viewer: the refusal to file, in English.
    let viewer = b.person(
        "o.reader@zuidhoven.example",
        "Olivia Reader",
        Role::CustomerViewer,
        Some(org),
        "en",
    );
    b.sign_in(&viewer, "viewer");
    b.row_with("table.pt-tickets", "Nobody can sign in");
    b.absent("a[href='/portal/new']");
    b.visit("/portal/new");
    b.page_lang("en");
    b.sees(&[
        tr("en", "error.title"),
        tr("en", "portal.viewer_cannot_file"),
    ]);
    b.shot("viewer-refused");
}

#[path = "browser_escalation.rs"]
mod escalation;

#[path = "browser_meetings.rs"]
mod meetings;

/// g. A mail of a customer's administrator whose sender is not proven waits on the held-mail
/// page: the agent finds it from the queue, reads why it was held, and on a phone (390 px, no
/// sideways scrolling) refuses it with a reason; the page is then empty.
#[test]
fn journey_g_held_mail_on_a_phone() {
    let Some(b) = Bench::new("g-held-mail", MONDAY) else {
        return;
    };
    let org = b.customer("Gemeente Zuidhoven");
    b.person(
        "jan.devries@zuidhoven.example",
        "Jan de Vries",
        Role::CustomerAdmin,
        Some(org),
        "nl",
    );
    let agent = b.person(
        "p.pieters@loket.example",
        "Piet Pieters",
        Role::Agent,
        None,
        "nl",
    );
    let raw = "From: Jan de Vries <jan.devries@zuidhoven.example>\r\n\
        To: servicedesk@loket.example\r\n\
        Subject: Koppeling met het zaaksysteem hapert\r\n\
        Message-ID: <g1@zuidhoven.example>\r\n\
        \r\n\
        Sinds vanochtend komen er geen zaken door.\r\n";
    let held = b
        .block_on(b.state.ingest(
            raw.as_bytes(),
            desk::inbound::Received {
                at: None,
                source: desk::inbound::Source::Pipe,
            },
        ))
        .expect("ingest");
    assert!(
        matches!(held, desk::inbound::Ingested::Held { .. }),
        "{held:?}"
    );

    b.sign_in(&agent, "agent");
    b.click("main a[href='/desk/mail/held']");
    b.browser
        .wait_path("the held mail", |p| p == "/desk/mail/held");
    b.sees(&[
        tr("nl", "desk.held.title"),
        "Koppeling met het zaaksysteem hapert",
        "jan.devries@zuidhoven.example",
    ]);
    b.browser.set_window_size(390, 844);
    let sideways = b
        .browser
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        )
        .as_i64()
        .unwrap_or(i64::MAX);
    assert!(
        sideways <= 0,
        "the held-mail page scrolls sideways by {sideways} px at 390 px"
    );
    b.shot("held-phone");
    b.browser.fill(
        &format!("#reason-{}", held.mail()),
        "Niet door Jan verstuurd",
    );
    b.submit(&format!(
        "form[action='/desk/mail/held/{}/refuse']",
        held.mail()
    ));
    b.browser
        .wait_path("back on the held mail", |p| p == "/desk/mail/held");
    b.sees(&[tr("nl", "desk.held.none")]);
    b.shot("held-empty");
}

#[path = "browser_assessment.rs"]
mod assessment;
#[path = "browser_recipients.rs"]
mod recipients;
