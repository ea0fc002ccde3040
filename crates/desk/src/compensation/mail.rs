//! The mails of an escalation: one to each side's people on every step (the customer's
//! administrators and the vendor's service managers), each in their own language, queued in
//! the transaction that records the step.

use sla::Lang;
use store::{NewMail, OrgId, Person, Role, Scope};

use crate::i18n::Tr;
use crate::{Desk, DeskError};

/// What a step says in a mail: its catalog key (`mail.escalation.<step>`) and the values of
/// its sentence (`mail.escalation.<step>.what`). Values given as `@key` are catalog words.
pub(crate) struct Note {
    /// The step's key.
    pub step: &'static str,
    /// The placeholders and their values.
    pub values: Vec<(&'static str, String)>,
}

impl Note {
    /// A note for `step` with `values`.
    pub fn new(step: &'static str, values: Vec<(&'static str, String)>) -> Note {
        Note { step, values }
    }
}

fn compose(t: Tr, person: &Person, customer: &str, note: &Note) -> NewMail {
    let values: Vec<(&str, String)> = note
        .values
        .iter()
        .map(|(k, v)| {
            let v = match v.strip_prefix('@') {
                Some(key) => t.get(key).to_string(),
                None => v.clone(),
            };
            (*k, v)
        })
        .collect();
    let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let step = t.fill(&format!("mail.escalation.{}", note.step), &refs);
    let what = t.fill(&format!("mail.escalation.{}.what", note.step), &refs);
    NewMail {
        to_address: person.email.clone(),
        subject: t.fill(
            "mail.escalation.subject",
            &[("customer", customer), ("step", &step)],
        ),
        body_text: t.fill(
            "mail.escalation.body",
            &[
                ("name", &person.name),
                ("customer", customer),
                ("step", &step),
                ("what", &what),
            ],
        ),
    }
}

impl Desk {
    /// The mails about `notes` to both sides of a customer's escalation.
    pub(crate) async fn escalation_mails(
        &self,
        org: OrgId,
        notes: &[Note],
    ) -> Result<Vec<NewMail>, DeskError> {
        let customer = self.store.get_org(&Scope::System, org).await?.name;
        let mut people = self.store.list_people(&Scope::System, Some(org)).await?;
        people.retain(|p| p.active && p.role == Role::CustomerAdmin);
        let mut staff = self.store.list_people(&Scope::System, None).await?;
        staff.retain(|p| p.active && p.role == Role::ServiceManager);
        people.extend(staff);
        let mut out = Vec::new();
        for p in &people {
            let t = Tr(if p.lang == "en" { Lang::En } else { Lang::Nl });
            for note in notes {
                out.push(compose(t, p, &customer, note));
            }
        }
        Ok(out)
    }
}
