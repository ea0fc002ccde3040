//! Customers, their agreements and people: who exists, in which role, under which agreement.

use std::sync::Arc;

use serde_json::json;
use store::{
    Agreement, AuditEntry, Millis, NewAgreement, NewPerson, OrgId, Organization, Person, PersonId,
    Role, Scope,
};

use crate::policies::{Compiled, parse_policy};
use crate::{Caller, Desk, DeskError, limits};

/// Role-address local parts that suggest a shared mailbox (SLA §4: accounts are personal).
const ROLE_ADDRESSES: &[&str] = &[
    "admin",
    "administratie",
    "beheer",
    "contact",
    "helpdesk",
    "ict",
    "info",
    "it",
    "mail",
    "noreply",
    "no-reply",
    "office",
    "sales",
    "secretariaat",
    "service",
    "servicedesk",
    "support",
    "team",
];

/// A warning when an e-mail address looks like a shared role address.
pub fn role_address_warning(email: &str) -> Option<String> {
    let local = email.split('@').next()?.to_lowercase();
    ROLE_ADDRESSES.contains(&local.as_str()).then(|| {
        format!(
            "`{email}` looks like a shared role address; accounts are personal (SLA §4), use the person's own address"
        )
    })
}

/// Checks an e-mail address's shape: one `@`, a local part, a domain with a dot.
pub fn check_email(email: &str) -> Result<String, DeskError> {
    limits::check("email", email, limits::EMAIL)?;
    let e = email.trim().to_lowercase();
    let ok = e.split_once('@').is_some_and(|(l, d)| {
        !l.is_empty()
            && d.contains('.')
            && !d.starts_with('.')
            && !d.ends_with('.')
            && !d.contains('@')
            && !e.chars().any(char::is_whitespace)
    });
    if ok {
        Ok(e)
    } else {
        Err(DeskError::invalid(
            "email",
            format!("`{email}` is not an e-mail address"),
        ))
    }
}

impl Desk {
    pub(crate) async fn audit(
        &self,
        caller: Option<&Caller>,
        org: Option<OrgId>,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<(), DeskError> {
        self.store
            .audit(&AuditEntry {
                at: self.now_ms(),
                actor_id: caller.map(|c| c.person.id),
                org_id: org,
                action: action.to_string(),
                detail,
            })
            .await?;
        Ok(())
    }

    /// Creates a customer with the standard agreement in force from the start.
    pub async fn create_org(&self, caller: &Caller, name: &str) -> Result<Organization, DeskError> {
        caller.require(&[Role::Admin], "only an administrator may add customers")?;
        limits::check("name", name, limits::ORGANIZATION_NAME)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(DeskError::invalid("name", "a customer needs a name"));
        }
        let org = self.store.create_org(name, self.now_ms()).await?;
        self.store
            .add_agreement(
                &Scope::System,
                &NewAgreement {
                    org_id: org.id,
                    name: "Standaard SLA".into(),
                    policy: String::new(),
                    effective_from: 0,
                    document_ref: None,
                },
                self.now_ms(),
            )
            .await?;
        self.audit(
            Some(caller),
            Some(org.id),
            "organization.created",
            json!({ "name": name }),
        )
        .await?;
        Ok(org)
    }

    /// Records a new agreement version after validating its policy text.
    pub async fn add_agreement(
        &self,
        caller: &Caller,
        new: NewAgreement,
    ) -> Result<Agreement, DeskError> {
        caller.require(
            &[Role::Admin],
            "only an administrator may change agreements",
        )?;
        limits::check("name", &new.name, limits::AGREEMENT_NAME)?;
        limits::check("policy", &new.policy, limits::POLICY)?;
        limits::check_opt(
            "document_ref",
            new.document_ref.as_deref(),
            limits::DOCUMENT_REF,
        )?;
        if new.name.trim().is_empty() {
            return Err(DeskError::invalid("name", "an agreement needs a name"));
        }
        parse_policy(&new.policy, "policy").map_err(|e| {
            DeskError::invalid(
                "policy",
                format!(
                    "line {}, column {}: {}: {}",
                    e.line, e.column, e.key, e.message
                ),
            )
        })?;
        let a = self
            .store
            .add_agreement(&caller.scope, &new, self.now_ms())
            .await?;
        self.audit(
            Some(caller),
            Some(a.org_id),
            "agreement.added",
            json!({ "agreement": a.id, "effective_from": a.effective_from }),
        )
        .await?;
        Ok(a)
    }

    /// The compiled agreement in force for a customer at an instant.
    pub async fn agreement_at(
        &self,
        org: OrgId,
        at: Millis,
    ) -> Result<(Agreement, Arc<Compiled>), DeskError> {
        let a = self
            .store
            .agreement_in_force(&Scope::System, org, at)
            .await?
            .ok_or_else(|| {
                DeskError::invalid(
                    "received_at",
                    "no agreement of this customer was in force then",
                )
            })?;
        let c = self.policies.get(&a)?;
        Ok((a, c))
    }

    /// Creates a person; customer administrators count against the agreement's limit.
    /// Returns the person and warnings (e.g. a role address).
    pub async fn create_person(
        &self,
        caller: Option<&Caller>,
        mut new: NewPerson,
    ) -> Result<(Person, Vec<String>), DeskError> {
        if let Some(c) = caller {
            c.require(&[Role::Admin], "only an administrator may add people")?;
        }
        new.email = check_email(&new.email)?;
        limits::check("name", &new.name, limits::PERSON_NAME)?;
        if new.name.trim().is_empty() {
            return Err(DeskError::invalid("name", "a person needs a name"));
        }
        if !matches!(new.lang.as_str(), "nl" | "en") {
            return Err(DeskError::invalid("lang", "`nl` or `en`"));
        }
        let max_admins = match (new.role.is_vendor(), new.org_id) {
            (true, Some(_)) => {
                return Err(DeskError::invalid(
                    "organization_id",
                    "vendor staff belong to no customer",
                ));
            }
            (false, None) => {
                return Err(DeskError::invalid(
                    "organization_id",
                    "a customer role needs the customer's organization",
                ));
            }
            (false, Some(org)) => {
                self.store.get_org(&Scope::System, org).await.map_err(|_| {
                    DeskError::invalid("organization_id", format!("there is no organization {org}"))
                })?;
                let (_, c) = self.agreement_at(org, self.now_ms()).await?;
                Some(c.policy.max_administrators)
            }
            (true, None) => None,
        };
        let warnings: Vec<String> = role_address_warning(&new.email).into_iter().collect();
        let person = self
            .store
            .create_person(&new, max_admins, self.now_ms())
            .await?;
        self.audit(
            caller,
            person.org_id,
            "person.created",
            json!({ "person": person.id, "role": person.role.as_str() }),
        )
        .await?;
        Ok((person, warnings))
    }

    /// Changes a person's role (the administrator limit applies when granting it).
    pub async fn set_role(
        &self,
        caller: &Caller,
        id: PersonId,
        role: Role,
    ) -> Result<Person, DeskError> {
        caller.require(&[Role::Admin], "only an administrator may change roles")?;
        let current = self.store.get_person(&caller.scope, id).await?;
        if current.role.is_vendor() != role.is_vendor() {
            return Err(DeskError::invalid(
                "role",
                "a role can change within the vendor's staff or within a customer, not between them",
            ));
        }
        let max = match current.org_id {
            Some(org) => Some(
                self.agreement_at(org, self.now_ms())
                    .await?
                    .1
                    .policy
                    .max_administrators,
            ),
            None => None,
        };
        let p = self.store.set_role(&caller.scope, id, role, max).await?;
        self.audit(
            Some(caller),
            p.org_id,
            "person.role_changed",
            json!({ "person": id, "role": role.as_str() }),
        )
        .await?;
        Ok(p)
    }
}
