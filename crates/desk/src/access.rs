//! Who may do what: signing in (argon2id passwords, throttling), sessions and personal API
//! tokens, the `Caller` every service starts from, and the access rules the API and the pages
//! share (which customer a question is about, who sees internal notes, the status transitions).

use std::fmt::Write;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use sla::Status;
use store::{ApiToken, OrgId, Person, Role, Scope};

use crate::Desk;
use crate::DeskError;

/// How long a session lives.
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins for one account from one address within the window before that address is
/// refused for that account (the account itself stays open to everyone else).
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed sign-ins per client address within the window before it is throttled.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// The throttling window, in seconds.
pub const THROTTLE_WINDOW_SECONDS: i64 = 15 * 60;

/// A hash of a made-up password, verified against when the account does not exist, so the
/// time a sign-in takes does not tell which accounts exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Fr6lYx5Dw8mEd0n5ixGH6B2t4Wqo8yNMGIrYzC7uJ2g";

/// Hashes a password with argon2id (default parameters, random salt), off the async threads.
pub async fn hash_password(password: String) -> Result<String, DeskError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| DeskError::Internal(anyhow::anyhow!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| DeskError::Internal(e.into()))?
}

/// Whether `password` matches `hash` (a dummy hash when there is none), off the async threads.
pub async fn verify_password(hash: Option<String>, password: String) -> bool {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    ok && known
}

/// A new random secret (session or API token), 256 bits as hex.
pub fn new_secret() -> Result<String, DeskError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| DeskError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(hex(&bytes))
}

/// The stored form of a secret: SHA-256 as hex (secrets are long and random, so no salt).
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Bytes as lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The scope a person acts in.
pub fn scope_of(p: &Person) -> Scope {
    match (p.role.is_vendor(), p.org_id) {
        (false, Some(org)) => Scope::Customer {
            person: p.id,
            org,
            role: p.role,
        },
        _ => Scope::Vendor {
            person: p.id,
            role: p.role,
        },
    }
}

/// Who is calling: a signed-in person, with the scope every query runs in.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The person.
    pub person: Person,
    /// The scope of their queries.
    pub scope: Scope,
    /// Whether they authenticated with an API token (else a session cookie).
    pub via_token: bool,
}

impl Caller {
    /// Their role.
    pub fn role(&self) -> Role {
        self.person.role
    }

    /// Fails with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role], why: &str) -> Result<(), DeskError> {
        if roles.contains(&self.person.role) {
            Ok(())
        } else {
            Err(DeskError::Forbidden(why.to_string()))
        }
    }

    /// Fails with 403 unless the caller is vendor staff.
    pub fn require_vendor(&self) -> Result<(), DeskError> {
        self.require(
            &[Role::Agent, Role::ServiceManager, Role::Admin],
            "only the service desk may do this",
        )
    }
}

impl Desk {
    /// Opens a session for a person and returns its secret (stored only as a hash).
    pub async fn open_session(&self, person: &Person) -> Result<String, DeskError> {
        let secret = new_secret()?;
        let now = self.now_ms();
        self.store
            .create_session(
                &hash_secret(&secret),
                person.id,
                now,
                now + SESSION_HOURS * 3_600_000,
            )
            .await?;
        Ok(secret)
    }

    /// Creates a personal API token for the caller: the token and its secret, which is stored
    /// only as a hash and shown this once.
    pub async fn create_token(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<(ApiToken, String), DeskError> {
        crate::limits::check("name", name, crate::limits::TOKEN_NAME)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(DeskError::invalid("name", "a token needs a name"));
        }
        let secret = new_secret()?;
        let token = self
            .store
            .create_token(caller.person.id, name, &hash_secret(&secret), self.now_ms())
            .await?;
        Ok((token, secret))
    }

    /// Ends the session with this secret, if there is one.
    pub async fn end_session(&self, secret: Option<&str>) -> Result<(), DeskError> {
        if let Some(secret) = secret {
            self.store.delete_session(&hash_secret(secret)).await?;
        }
        Ok(())
    }

    /// The caller behind a personal API token or a session secret (the token wins).
    pub async fn authenticate(
        &self,
        token: Option<&str>,
        session: Option<&str>,
    ) -> Result<Caller, DeskError> {
        let now = self.now_ms();
        let (person, via_token) = match (token, session) {
            (Some(token), _) => (
                self.store.token_person(&hash_secret(token), now).await?,
                true,
            ),
            (None, Some(secret)) => (
                self.store.session_person(&hash_secret(secret), now).await?,
                false,
            ),
            (None, None) => (None, false),
        };
        let person = person.ok_or(DeskError::Unauthenticated)?;
        Ok(Caller {
            scope: scope_of(&person),
            person,
            via_token,
        })
    }

    /// Checks an e-mail address and password. Guessing is throttled so that a guesser cannot
    /// lock the real person out: an address is refused after too many failures for one
    /// account (or in all), while the account itself is only slowed down for everyone.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: String,
    ) -> Result<Person, DeskError> {
        // Longer texts cannot be an account's address or password: refused before they are
        // hashed or counted as a failed guess.
        crate::limits::check("email", email, crate::limits::EMAIL)?;
        crate::limits::check("password", password, crate::limits::PASSWORD)?;
        let now = self.now_ms();
        let since = now - THROTTLE_WINDOW_SECONDS * 1000;
        let email_key = email.trim().to_lowercase();
        let account_key = format!("account:{email_key}");
        let pair_key = format!("pair:{email_key}|{client}");
        let client_key = format!("client:{client}");
        let pair_failures = self.store.sign_in_failures(&pair_key, since).await?;
        let client_failures = self.store.sign_in_failures(&client_key, since).await?;
        if pair_failures >= MAX_FAILURES_PER_ACCOUNT || client_failures >= MAX_FAILURES_PER_ADDRESS
        {
            return Err(DeskError::Throttled {
                retry_after: THROTTLE_WINDOW_SECONDS as u64,
            });
        }
        let account_failures = self.store.sign_in_failures(&account_key, since).await?;
        let slowdown = account_slowdown(account_failures);
        if !slowdown.is_zero() {
            self.clock.pause(slowdown).await;
        }
        let found = self.store.person_for_sign_in(email).await?;
        let (person, hash) = match found {
            Some((p, h)) if p.active => (Some(p), h),
            _ => (None, None),
        };
        let verified = verify_password(hash, password.to_string()).await;
        if let (true, Some(p)) = (verified, person) {
            self.store.clear_sign_in_failures(&account_key).await?;
            self.store.clear_sign_in_failures(&pair_key).await?;
            return Ok(p);
        }
        for key in [&account_key, &pair_key, &client_key] {
            self.store.record_sign_in_failure(key, now).await?;
        }
        Err(DeskError::Unauthenticated)
    }
}

/// How long a sign-in to an account waits after `failures` recent failed ones, from anywhere:
/// nothing for the first few, then 250 ms doubling up to 5 s — slow for a guesser, a moment
/// for the real person.
pub fn account_slowdown(failures: i64) -> std::time::Duration {
    let over = failures - MAX_FAILURES_PER_ACCOUNT;
    if over < 0 {
        return std::time::Duration::ZERO;
    }
    let ms = 250u64.saturating_mul(1u64 << over.min(10));
    std::time::Duration::from_millis(ms.min(5_000))
}

/// Which customer a question is about: a customer always asks about itself (asking about
/// another is "not found"), the vendor about the one it names or, with `None`, all of them.
pub fn visible_org(scope: &Scope, org: Option<OrgId>) -> Result<Option<OrgId>, DeskError> {
    match (scope.org(), org) {
        (Some(own), Some(asked)) if own != asked => Err(DeskError::NotFound("organization")),
        (Some(own), _) => Ok(Some(own)),
        (None, asked) => Ok(asked),
    }
}

/// Whether the caller may see internal notes (the service desk's own words).
pub fn sees_internal_notes(scope: &Scope) -> bool {
    scope.org().is_none()
}

/// Whether the caller may see how a monitor probes beyond its target and thresholds — the
/// keyword it looks for, whether it may reach internal addresses: the vendor's business,
/// not the customer's.
pub fn sees_probe_settings(scope: &Scope) -> bool {
    scope.org().is_none()
}

/// Whether a person with `role` (`vendor`: on the service desk's side) may move a ticket from
/// `from` to `to`: the one transition table the API and the pages both read.
pub fn may_transition(role: Role, from: Status, to: Status) -> bool {
    let vendor = role.is_vendor();
    match (vendor, from, to) {
        (_, from, to) if from == to => false,
        (true, _, Status::Open | Status::WaitingOnCustomer | Status::Closed) => {
            !matches!(from, Status::Closed)
        }
        (true, Status::Resolved | Status::Closed, Status::Reopened) => true,
        (true, s, Status::Resolved) => !matches!(s, Status::Resolved | Status::Closed),
        (false, Status::Resolved, Status::Reopened | Status::Closed) => role == Role::CustomerAdmin,
        _ => false,
    }
}

/// Whether a person with `role` may comment on a ticket in status `status`: viewers only
/// read; the service desk may still note things on a closed ticket, a customer reopens instead.
pub fn may_comment(role: Role, status: Status) -> bool {
    role != Role::CustomerViewer && (role.is_vendor() || status != Status::Closed)
}

/// Whether a person with `role` may accept or reject the resolution of a ticket in `status`
/// (close it, or reopen it): a customer administrator, once the ticket is resolved.
pub fn may_decide(role: Role, status: Status) -> bool {
    !role.is_vendor() && may_transition(role, status, Status::Closed)
}

/// The statuses `role` may move a ticket in status `from` to, in a fixed order.
pub fn transitions_from(role: Role, from: Status) -> Vec<Status> {
    [
        Status::Open,
        Status::WaitingOnCustomer,
        Status::Resolved,
        Status::Closed,
        Status::Reopened,
    ]
    .into_iter()
    .filter(|to| may_transition(role, from, *to))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_slowed_down_never_shut() {
        use std::time::Duration;
        assert_eq!(account_slowdown(0), Duration::ZERO);
        assert_eq!(account_slowdown(4), Duration::ZERO);
        assert_eq!(account_slowdown(5), Duration::from_millis(250));
        assert_eq!(account_slowdown(6), Duration::from_millis(500));
        assert_eq!(account_slowdown(9), Duration::from_millis(4_000));
        assert_eq!(account_slowdown(10), Duration::from_secs(5));
        assert_eq!(account_slowdown(10_000), Duration::from_secs(5));
    }

    #[test]
    fn desk_status_choices_follow_the_rules() {
        let desk_statuses = |from| transitions_from(Role::Agent, from);
        assert_eq!(desk_statuses(Status::Closed), vec![Status::Reopened]);
        assert_eq!(
            desk_statuses(Status::Resolved),
            vec![
                Status::Open,
                Status::WaitingOnCustomer,
                Status::Closed,
                Status::Reopened
            ]
        );
        assert!(!desk_statuses(Status::Open).contains(&Status::Open));
        // A customer administrator only decides on a resolution; a viewer never moves one.
        assert_eq!(
            transitions_from(Role::CustomerAdmin, Status::Resolved),
            vec![Status::Closed, Status::Reopened]
        );
        assert!(transitions_from(Role::CustomerAdmin, Status::Open).is_empty());
        assert!(transitions_from(Role::CustomerViewer, Status::Resolved).is_empty());
    }

    #[test]
    fn who_comments_and_who_decides() {
        let all = [
            Status::New,
            Status::Open,
            Status::WaitingOnCustomer,
            Status::Resolved,
            Status::Closed,
            Status::Reopened,
        ];
        for s in all {
            assert!(may_comment(Role::Agent, s), "agent on {s}");
            assert!(!may_comment(Role::CustomerViewer, s), "viewer on {s}");
            assert_eq!(
                may_comment(Role::CustomerAdmin, s),
                s != Status::Closed,
                "{s}"
            );
            assert_eq!(
                may_decide(Role::CustomerAdmin, s),
                s == Status::Resolved,
                "{s}"
            );
            assert!(!may_decide(Role::Agent, s), "agent decides on {s}");
            assert!(
                !may_decide(Role::CustomerViewer, s),
                "viewer decides on {s}"
            );
        }
    }
}
