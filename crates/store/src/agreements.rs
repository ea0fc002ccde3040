//! Versions of customers' agreements (`agreements`): never edited, each in force from its
//! effective date until the next.

use serde::{Deserialize, Serialize};

use crate::{AgreementId, Millis, OrgId, PersonId, Result, Scope, Store, StoreError};

/// A version of a customer's agreement, in force from `effective_from` until the next version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// Its id.
    pub id: AgreementId,
    /// The customer.
    pub org_id: OrgId,
    /// A name for people.
    pub name: String,
    /// The policy file laid over the standard agreement (empty: the standard agreement).
    pub policy: String,
    /// From when it is in force.
    pub effective_from: Millis,
    /// Reference to the signed document.
    pub document_ref: Option<String>,
    /// When it was recorded.
    pub created_at: Millis,
    /// Who recorded it.
    pub created_by: Option<PersonId>,
}

/// Input for a new agreement version.
#[derive(Debug, Clone)]
pub struct NewAgreement {
    /// The customer.
    pub org_id: OrgId,
    /// A name for people.
    pub name: String,
    /// The policy file laid over the standard agreement (empty: standard).
    pub policy: String,
    /// From when it is in force.
    pub effective_from: Millis,
    /// Reference to the signed document.
    pub document_ref: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AgreementRecord {
    id: i64,
    org_id: i64,
    name: String,
    policy: String,
    effective_from: i64,
    document_ref: Option<String>,
    created_at: i64,
    created_by: Option<i64>,
}

impl From<AgreementRecord> for Agreement {
    fn from(r: AgreementRecord) -> Self {
        Agreement {
            id: AgreementId(r.id),
            org_id: OrgId(r.org_id),
            name: r.name,
            policy: r.policy,
            effective_from: r.effective_from,
            document_ref: r.document_ref,
            created_at: r.created_at,
            created_by: r.created_by.map(PersonId),
        }
    }
}

impl Store {
    /// Records a new version of a customer's agreement.
    pub async fn add_agreement(
        &self,
        scope: &Scope,
        new: &NewAgreement,
        now: Millis,
    ) -> Result<Agreement> {
        self.get_org(scope, new.org_id).await?;
        let sql = "INSERT INTO agreements \
                   (org_id, name, policy, effective_from, document_ref, created_at, created_by) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        let actor = scope.person().map(|p| p.0);
        let id: i64 = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(new.org_id.0)
            .bind(&new.name)
            .bind(&new.policy)
            .bind(new.effective_from)
            .bind(&new.document_ref)
            .bind(now)
            .bind(actor)
            .fetch_one(p)
            .await?);
        Ok(Agreement {
            id: AgreementId(id),
            org_id: new.org_id,
            name: new.name.clone(),
            policy: new.policy.clone(),
            effective_from: new.effective_from,
            document_ref: new.document_ref.clone(),
            created_at: now,
            created_by: scope.person(),
        })
    }

    /// Every version of a customer's agreement, oldest first.
    pub async fn agreements(&self, scope: &Scope, org: OrgId) -> Result<Vec<Agreement>> {
        self.get_org(scope, org).await?;
        let sql = "SELECT id, org_id, name, policy, effective_from, document_ref, created_at, \
                   created_by FROM agreements WHERE org_id = $1 ORDER BY effective_from, id";
        let rows: Vec<AgreementRecord> =
            on_pool!(self, p => sqlx::query_as(sql).bind(org.0).fetch_all(p).await?);
        Ok(rows.into_iter().map(Agreement::from).collect())
    }

    /// Every version of every agreement the scope may see, by customer, oldest first.
    pub async fn all_agreements(&self, scope: &Scope) -> Result<Vec<Agreement>> {
        let org = scope.org().map(|o| o.0);
        let sql = "SELECT id, org_id, name, policy, effective_from, document_ref, created_at, \
                   created_by FROM agreements WHERE ($1 IS NULL OR org_id = $1) \
                   ORDER BY org_id, effective_from, id";
        let rows: Vec<AgreementRecord> =
            on_pool!(self, p => sqlx::query_as(sql).bind(org).fetch_all(p).await?);
        Ok(rows.into_iter().map(Agreement::from).collect())
    }

    /// The agreement version in force for a customer at an instant (the latest that started
    /// at or before it).
    pub async fn agreement_in_force(
        &self,
        scope: &Scope,
        org: OrgId,
        at: Millis,
    ) -> Result<Option<Agreement>> {
        if *scope != Scope::System {
            self.get_org(scope, org).await?;
        }
        let sql = "SELECT id, org_id, name, policy, effective_from, document_ref, created_at, \
                   created_by FROM agreements WHERE org_id = $1 AND effective_from <= $2 \
                   ORDER BY effective_from DESC, id DESC LIMIT 1";
        let row: Option<AgreementRecord> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(org.0)
            .bind(at)
            .fetch_optional(p)
            .await?);
        Ok(row.map(Agreement::from))
    }

    /// One agreement version, if the scope may see its customer.
    pub async fn get_agreement(&self, scope: &Scope, id: AgreementId) -> Result<Agreement> {
        let sql = "SELECT id, org_id, name, policy, effective_from, document_ref, created_at, \
                   created_by FROM agreements WHERE id = $1";
        let row: Option<AgreementRecord> =
            on_pool!(self, p => sqlx::query_as(sql).bind(id.0).fetch_optional(p).await?);
        match row.map(Agreement::from) {
            Some(a) if scope.may_see(a.org_id) => Ok(a),
            _ => Err(StoreError::NotFound("agreement")),
        }
    }
}
