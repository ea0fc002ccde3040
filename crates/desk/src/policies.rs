//! Agreements compiled for use: a policy over the standard agreement, and its calendar.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sla::{Calendar, Policy};
use store::{Agreement, AgreementId};

use crate::DeskError;

/// An agreement compiled for use: the policy and its calendar.
#[derive(Debug)]
pub struct Compiled {
    /// The policy.
    pub policy: Policy,
    /// Its calendar.
    pub calendar: Calendar,
}

/// Compiled agreements by id (an agreement version never changes once stored), and by policy
/// text, so that the many customers on the same terms share one compiled calendar.
#[derive(Debug, Default)]
pub struct Policies {
    cache: Mutex<HashMap<AgreementId, Arc<Compiled>>>,
    by_text: Mutex<HashMap<String, Arc<Compiled>>>,
    standard: Mutex<Option<Arc<Compiled>>>,
}

/// Parses an agreement's policy text over the standard agreement.
pub fn parse_policy(text: &str, file: &str) -> Result<Policy, sla::PolicyError> {
    let standard = Policy::standard()?;
    if text.trim().is_empty() {
        return Ok(standard);
    }
    standard.overlay(text, file, &|name| {
        Err(format!(
            "an agreement stored in loket cannot refer to the file `{name}`; list the dates in closed_dates"
        ))
    })
}

impl Policies {
    /// The compiled form of agreement version `id` when it was compiled before.
    pub fn cached(&self, id: AgreementId) -> Option<Arc<Compiled>> {
        self.cache.lock().ok().and_then(|m| m.get(&id).cloned())
    }

    /// The compiled form of an agreement version.
    pub fn get(&self, a: &Agreement) -> Result<Arc<Compiled>, DeskError> {
        if let Some(c) = self.cache.lock().ok().and_then(|m| m.get(&a.id).cloned()) {
            return Ok(c);
        }
        if let Some(c) = self
            .by_text
            .lock()
            .ok()
            .and_then(|m| m.get(&a.policy).cloned())
        {
            if let Ok(mut m) = self.cache.lock() {
                m.insert(a.id, c.clone());
            }
            return Ok(c);
        }
        let policy = parse_policy(&a.policy, "agreement")
            .map_err(|e| DeskError::Internal(anyhow::anyhow!("stored agreement {}: {e}", a.id)))?;
        let calendar = policy
            .compile_calendar()
            .map_err(|e| DeskError::Internal(anyhow::anyhow!("stored agreement {}: {e}", a.id)))?;
        let c = Arc::new(Compiled { policy, calendar });
        if let Ok(mut m) = self.by_text.lock() {
            m.insert(a.policy.clone(), c.clone());
        }
        if let Ok(mut m) = self.cache.lock() {
            m.insert(a.id, c.clone());
        }
        Ok(c)
    }

    /// The standard agreement, compiled.
    pub fn standard(&self) -> Result<Arc<Compiled>, DeskError> {
        if let Some(c) = self.standard.lock().ok().and_then(|s| s.clone()) {
            return Ok(c);
        }
        let policy = Policy::standard().map_err(|e| DeskError::Internal(e.into()))?;
        let calendar = policy
            .compile_calendar()
            .map_err(|e| DeskError::Internal(e.into()))?;
        let c = Arc::new(Compiled { policy, calendar });
        if let Ok(mut s) = self.standard.lock() {
            *s = Some(c.clone());
        }
        Ok(c)
    }
}
