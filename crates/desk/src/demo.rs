//! Demo data: a year of a living service desk (customers, their administrators and viewers,
//! vendor staff, and tickets with realistic handling), filed through the application services
//! on a moving clock so that every SLA clock is computed exactly as in production.

use std::collections::HashSet;
use std::fmt;

use jiff::Timestamp;
use sla::{Calendar, OutcomeKind, Policy, Priority, Status, TicketKind};
use store::{
    NewPerson, OrgId, Organization, Person, PersonId, Role, Scope, Store, Ticket, TicketFilter,
    TicketId, TicketOrder,
};

use crate::Desk;
use crate::DeskError;
use crate::access::{Caller, hash_password, scope_of};
use crate::clock::{Clock, FixedClock};
use crate::tickets::{Action, FileTicket};

/// The password every demo person shares (it is demo data; never use it for real accounts).
pub const DEMO_PASSWORD: &str = "demo-wachtwoord-2026";
/// The e-mail address of the demo administrator (when the database has no administrator yet).
pub const DEMO_ADMIN_EMAIL: &str = "admin@loket.localhost";
/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 2026;

/// Business seconds in a working day (Service Window 1, 09:00–17:30).
const WORKING_DAY: i64 = 30_600;
const HOUR: i64 = 3_600;
const MINUTE: i64 = 60;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Seed of the generator: the same seed on an empty database gives the same data.
    pub seed: u64,
    /// The end of the generated history; `None`: the clock's current instant.
    pub until: Option<Timestamp>,
    /// How many days of history end at `until`.
    pub days: u32,
    /// The password of every demo person.
    pub password: String,
    /// The administrator's e-mail address, used when the database has no administrator yet.
    pub admin_email: String,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: DEFAULT_SEED,
            until: None,
            days: 365,
            password: DEMO_PASSWORD.to_string(),
            admin_email: DEMO_ADMIN_EMAIL.to_string(),
        }
    }
}

/// What [`fill`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// Start of the generated history.
    pub from: Timestamp,
    /// End of the generated history.
    pub until: Timestamp,
    /// Customer organizations.
    pub organizations: usize,
    /// Customer administrators (MEXTRA-beheerders).
    pub customer_admins: usize,
    /// Customer viewers.
    pub customer_viewers: usize,
    /// Vendor staff created (agents, service manager and, when created, the administrator).
    pub vendor_staff: usize,
    /// The administrator to sign in with.
    pub admin_email: String,
    /// Whether the administrator was created by the demo (and so has the demo password).
    pub admin_created: bool,
    /// People created, vendor staff and customers' people together.
    pub people: usize,
    /// Incidents by current priority: urgent, high, normal, low.
    pub incidents: [usize; 4],
    /// User-support questions.
    pub questions: usize,
    /// Requests for change.
    pub rfcs: usize,
    /// Tickets registered by an agent from a phone call.
    pub phone_calls: usize,
    /// Tickets filed outside Service Window 1 (their clocks start at the next opening).
    pub outside_office_hours: usize,
    /// Tickets still open (new, open, waiting or reopened).
    pub open: usize,
    /// Tickets resolved and not yet closed.
    pub resolved: usize,
    /// Tickets closed.
    pub closed: usize,
    /// Tickets reopened at least once.
    pub reopened: usize,
    /// Incidents whose priority the service desk changed.
    pub priority_changes: usize,
    /// Tickets with at least one target missed.
    pub tickets_missed: usize,
    /// Targets (bounds) met.
    pub targets_met: usize,
    /// Targets (bounds) missed.
    pub targets_missed: usize,
    /// Events recorded after filing (comments, assignments, status changes, …).
    pub events: usize,
}

impl DemoSummary {
    /// Every ticket.
    pub fn tickets(&self) -> usize {
        self.incidents.iter().sum::<usize>() + self.questions + self.rfcs
    }
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [u, h, n, l] = self.incidents;
        writeln!(f, "Demo data from {} until {}:", self.from, self.until)?;
        writeln!(
            f,
            "  {} customers with {} administrators and {} viewers; {} vendor staff; {} people created",
            self.organizations,
            self.customer_admins,
            self.customer_viewers,
            self.vendor_staff,
            self.people
        )?;
        writeln!(
            f,
            "  {} tickets: {} incidents ({u} urgent, {h} high, {n} normal, {l} low), {} questions, {} RFCs",
            self.tickets(),
            u + h + n + l,
            self.questions,
            self.rfcs
        )?;
        writeln!(
            f,
            "  {} by phone, {} outside office hours, {} events after filing, {} priority changes",
            self.phone_calls, self.outside_office_hours, self.events, self.priority_changes
        )?;
        writeln!(
            f,
            "  now {} open, {} resolved, {} closed; {} reopened once or more",
            self.open, self.resolved, self.closed, self.reopened
        )?;
        write!(
            f,
            "  targets: {} met, {} missed ({} tickets missed a target)",
            self.targets_met, self.targets_missed, self.tickets_missed
        )
    }
}

/// Fails with 409 unless the database holds no tickets and no customers: demo data goes only
/// into an empty database, never among real data.
pub async fn check_empty(store: &Store) -> Result<(), DeskError> {
    let newest = TicketFilter {
        order: TicketOrder::Newest,
        ..TicketFilter::default()
    };
    if !store
        .list_tickets(&Scope::System, &newest, None, 1)
        .await?
        .items
        .is_empty()
    {
        return Err(DeskError::Conflict {
            field: "database",
            message:
                "the database holds tickets already; demo data goes only into an empty database"
                    .into(),
        });
    }
    if !store.list_orgs(&Scope::System).await?.is_empty() {
        return Err(DeskError::Conflict {
            field: "database",
            message:
                "the database holds customers already; demo data goes only into an empty database"
                    .into(),
        });
    }
    Ok(())
}

/// Fills an empty database with demo data through the application services, moving `clock`
/// (which `state` must run on) through the history in chronological order. Deterministic
/// from `opts.seed` (given the same `until`). Leaves the clock at `until`.
pub async fn fill(
    state: &Desk,
    clock: &FixedClock,
    opts: DemoOptions,
) -> Result<DemoSummary, DeskError> {
    let until_s = opts.until.unwrap_or_else(|| clock.now()).as_second();
    let until = at(until_s)?;
    let from_s = until_s - i64::from(opts.days.max(1)) * 86_400;
    let from = at(from_s)?;
    check_empty(&state.store).await?;
    clock.set(from);
    if state.now_ms() != from.as_millisecond() {
        return Err(internal(
            "the application state does not run on the demo clock".into(),
        ));
    }
    let compiled = state.policies.standard()?;
    let cal = &compiled.calendar;
    let mut rng = Rng::new(opts.seed);
    let hash = hash_password(opts.password.clone()).await?;

    // ----- people ------------------------------------------------------------------------
    let existing = state.store.list_people(&Scope::System, None).await?;
    let mut emails: HashSet<String> = existing.iter().map(|p| p.email.clone()).collect();
    let mut people = 0usize;
    let (admin, admin_created) = match existing.iter().find(|p| p.role == Role::Admin && p.active) {
        Some(p) => (p.clone(), false),
        None => {
            let email = opts.admin_email.trim().to_lowercase();
            emails.insert(email.clone());
            let new = NewPerson {
                email,
                name: "Demo Beheerder".into(),
                role: Role::Admin,
                org_id: None,
                lang: "nl".into(),
                password_hash: Some(hash.clone()),
            };
            people += 1;
            (state.create_person(None, new).await?.0, true)
        }
    };
    let admin = caller(&admin);
    let mut new_person = |rng: &mut Rng, role: Role, org: Option<OrgId>, domain: &str| {
        let (name, email) = person_name(rng, &mut emails, domain);
        let lang = if rng.chance(0.1) { "en" } else { "nl" };
        NewPerson {
            email,
            name,
            role,
            org_id: org,
            lang: lang.into(),
            password_hash: Some(hash.clone()),
        }
    };
    let mut agents = Vec::new();
    for _ in 0..rng.range(2, 4) {
        let p = new_person(&mut rng, Role::Agent, None, VENDOR_DOMAIN);
        agents.push(caller(&state.create_person(Some(&admin), p).await?.0));
    }
    let p = new_person(&mut rng, Role::ServiceManager, None, VENDOR_DOMAIN);
    let manager = caller(&state.create_person(Some(&admin), p).await?.0);
    let vendor_staff = agents.len() + 1 + usize::from(admin_created);
    people += agents.len() + 1;

    let mut customers = Vec::new();
    let (mut customer_admins, mut customer_viewers) = (0, 0);
    for c in CUSTOMERS {
        let org = state.create_org(&admin, c.name).await?;
        let mut admins = Vec::new();
        for _ in 0..rng.range(2, 3) {
            let p = new_person(&mut rng, Role::CustomerAdmin, Some(org.id), c.domain);
            admins.push(caller(&state.create_person(Some(&admin), p).await?.0));
        }
        let viewers = rng.range(1, 3) as usize;
        for _ in 0..viewers {
            let p = new_person(&mut rng, Role::CustomerViewer, Some(org.id), c.domain);
            state.create_person(Some(&admin), p).await?;
        }
        customer_admins += admins.len();
        customer_viewers += viewers;
        people += admins.len() + viewers;
        customers.push(Customer {
            org,
            admins,
            per_year: rng.range(150, 400),
            api_share: c.api_share,
        });
    }

    // ----- plans -------------------------------------------------------------------------
    let mut arrivals = Vec::new();
    for (i, c) in customers.iter().enumerate() {
        let n = (c.per_year * i64::from(opts.days.max(1)) + 182) / 365;
        for _ in 0..n {
            arrivals.push((arrival(&mut rng, cal, from_s, until_s)?, i));
        }
    }
    arrivals.sort_unstable();
    let staff: Vec<Staff> = customers
        .iter()
        .map(|c| Staff {
            agents: agents.iter().map(|a| a.person.id).collect(),
            manager: manager.person.id,
            admins: c.admins.len(),
            api_share: c.api_share,
        })
        .collect();
    let mut plans = Vec::with_capacity(arrivals.len());
    for (received, org) in arrivals {
        let plan = plan_ticket(&mut rng, cal, &compiled.policy, org, &staff[org], received)?;
        plans.push(plan);
    }

    // ----- replay in chronological order ---------------------------------------------------
    let mut order: Vec<(i64, usize, usize)> = Vec::new();
    for (i, p) in plans.iter().enumerate() {
        if p.filed > until_s {
            continue;
        }
        order.push((p.filed, i, 0));
        for (j, s) in p.steps.iter().enumerate() {
            if s.at <= until_s {
                order.push((s.at, i, j + 1));
            }
        }
    }
    order.sort_unstable();
    let mut tickets: Vec<Option<Ticket>> = vec![None; plans.len()];
    let mut events = 0usize;
    for (t, i, j) in order {
        clock.set(at(t)?);
        let plan = &plans[i];
        let customer = &customers[plan.org];
        let reporter = &customer.admins[plan.reporter];
        let result = if j == 0 {
            let phone = matches!(plan.channel, Channel::Phone(_));
            let input = FileTicket {
                kind: plan.kind,
                priority: plan.priority,
                subject: plan.subject.clone(),
                description: plan.description.clone(),
                organization_id: phone.then_some(customer.org.id),
                reporter_id: phone.then_some(reporter.person.id),
                received_at: phone.then(|| at(plan.received)).transpose()?,
            };
            let by = match plan.channel {
                Channel::Phone(a) => agents[a].clone(),
                Channel::Api => Caller {
                    via_token: true,
                    ..reporter.clone()
                },
                Channel::Web => reporter.clone(),
            };
            state.file_ticket(&by, input).await
        } else {
            let step = &plan.steps[j - 1];
            let by = match step.who {
                Who::Agent(a) => &agents[a],
                Who::Manager => &manager,
                Who::Reporter => reporter,
            };
            let id = tickets[i].as_ref().map_or(TicketId(0), |t| t.id);
            events += 1;
            state.act(by, id, step.action.clone()).await
        };
        let ticket = result.map_err(|e| {
            internal(format!(
                "demo ticket {i}, step {j} at {}: {e}",
                at(t).map_or_else(|_| t.to_string(), |x| x.to_string())
            ))
        })?;
        tickets[i] = Some(ticket);
    }
    clock.set(until);

    // ----- summary -----------------------------------------------------------------------
    let mut summary = DemoSummary {
        from,
        until,
        organizations: customers.len(),
        customer_admins,
        customer_viewers,
        vendor_staff,
        admin_email: admin.person.email.clone(),
        admin_created,
        people,
        incidents: [0; 4],
        questions: 0,
        rfcs: 0,
        phone_calls: 0,
        outside_office_hours: 0,
        open: 0,
        resolved: 0,
        closed: 0,
        reopened: 0,
        priority_changes: 0,
        tickets_missed: 0,
        targets_met: 0,
        targets_missed: 0,
        events,
    };
    for (plan, t) in plans.iter().zip(&tickets) {
        let Some(t) = t else { continue };
        match plan.kind {
            TicketKind::Incident => {
                let p = t.priority.unwrap_or(Priority::Normal);
                summary.incidents[sla::policy::priority_index(p)] += 1;
            }
            TicketKind::Question => summary.questions += 1,
            TicketKind::Rfc => summary.rfcs += 1,
        }
        summary.phone_calls += usize::from(t.channel == sla::Channel::Phone);
        if !cal
            .is_open(at(t.received_at.as_second())?)
            .map_err(cal_err)?
        {
            summary.outside_office_hours += 1;
        }
        match t.status {
            Status::Resolved => summary.resolved += 1,
            Status::Closed => summary.closed += 1,
            _ => summary.open += 1,
        }
        let done = |k: Kind| plan.steps.iter().any(|s| s.at <= until_s && s.kind == k);
        summary.reopened += usize::from(done(Kind::Reopen));
        summary.priority_changes += usize::from(done(Kind::Priority));
        summary.tickets_missed += usize::from(t.clocks.sla_outcome == OutcomeKind::Missed);
        for r in &t.clocks.targets {
            match r.outcome {
                OutcomeKind::Met => summary.targets_met += 1,
                OutcomeKind::Missed => summary.targets_missed += 1,
                OutcomeKind::Running => {}
            }
        }
    }
    Ok(summary)
}

// ----- generation ------------------------------------------------------------------------

/// The e-mail domain of the vendor's staff.
const VENDOR_DOMAIN: &str = "mextra.example";

struct CustomerDef {
    name: &'static str,
    domain: &'static str,
    /// Share of its web filings that come in through the API.
    api_share: f64,
}

const CUSTOMERS: [CustomerDef; 5] = [
    CustomerDef {
        name: "Gemeente Dalfsen",
        domain: "dalfsen.example",
        api_share: 0.05,
    },
    CustomerDef {
        name: "Zorggroep Noorderlicht",
        domain: "noorderlicht.example",
        api_share: 0.35,
    },
    CustomerDef {
        name: "Stichting Thuiszorg Amstelland",
        domain: "thuiszorg-amstelland.example",
        api_share: 0.1,
    },
    CustomerDef {
        name: "Woonzorgcentrum De Linde",
        domain: "delinde.example",
        api_share: 0.0,
    },
    CustomerDef {
        name: "Jeugdhulp Rijn en Gouwe",
        domain: "jeugdhulp-rijngouwe.example",
        api_share: 0.2,
    },
];

const FIRST_NAMES: &[&str] = &[
    "Jan", "Anouk", "Pieter", "Sanne", "Willem", "Femke", "Daan", "Lotte", "Bram", "Eva", "Thijs",
    "Marieke", "Ruud", "Ingrid", "Joost", "Esther", "Kees", "Saskia", "Henk", "Maaike", "Sven",
    "Linda", "Gerrit", "Nicole", "Bas", "Iris", "Wouter", "Anja", "Hans", "Roos", "Koen", "Mirjam",
];

const SURNAMES: &[&str] = &[
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kok",
    "Jacobs",
    "van Leeuwen",
    "Huisman",
    "Kuipers",
    "Veenstra",
    "Postma",
    "Hoekstra",
];

const TEAMS: &[&str] = &[
    "team Wijkzorg Noord",
    "afdeling Burgerzaken",
    "locatie De Hoven",
    "de nachtdienst",
    "team Jeugd",
    "de Wmo-consulenten",
    "de planning",
    "locatie Zonnehof",
    "team Dagbesteding",
    "de financiële administratie",
];

const SYSTEMS: &[&str] = &[
    "Vecozo",
    "het iWmo-berichtenverkeer",
    "het declaratieportaal",
    "de salarisadministratie",
    "het zaaksysteem",
    "het roosterpakket",
    "de e-mailserver",
];

const URGENT_SUBJECTS: &[&str] = &[
    "MEXTRA niet bereikbaar voor alle medewerkers",
    "Niemand kan inloggen sinds vanochtend",
    "Cliëntgegevens niet zichtbaar in de hele organisatie",
    "Koppeling met {system} ligt volledig plat",
    "Foutmelding 500 bij openen van elk dossier",
];

const INCIDENT_SUBJECTS: &[&str] = &[
    "Cliëntdossier opent niet voor {team}",
    "Foutmelding bij opslaan van een rapportage",
    "Inloggen met tweestapsverificatie lukt niet",
    "Koppeling met {system} geeft time-outs",
    "Export naar Excel blijft hangen",
    "Agenda van {team} toont geen afspraken meer",
    "Zoeken op cliënt is erg traag",
    "Declaratiebestand wordt niet aangemaakt",
    "Printen van het zorgplan mislukt",
    "Medicatieoverzicht leeg na de update",
    "Urenregistratie van {team} telt verkeerd op",
    "Mobiele app synchroniseert niet",
    "Melding 'sessie verlopen' direct na inloggen",
    "Bijlage uploaden mislukt (PDF)",
    "Verkeerde einddatum bij indicaties van {team}",
    "Berichten uit {system} komen dubbel binnen",
];

const QUESTION_SUBJECTS: &[&str] = &[
    "Hoe voeg ik een nieuwe medewerker toe?",
    "Waar vind ik het overzicht van openstaande taken?",
    "Kunnen we een rapportage per team maken?",
    "Hoe wijzig ik de rechten van {team}?",
    "Vraag over het archiveren van afgesloten dossiers",
    "Hoe stel ik een vervanger in tijdens verlof?",
    "Uitleg gevraagd over de nieuwe zoekfunctie",
    "Hoe exporteren we alle gegevens van één cliënt (AVG-verzoek)?",
    "Kan het sjabloon voor het zorgplan worden aangepast?",
    "Hoe werkt het meldingenoverzicht in de app?",
    "Welke gegevens gaan er naar {system}?",
    "Wanneer staat de nieuwe versie op de acceptatieomgeving?",
];

const RFC_SUBJECTS: &[&str] = &[
    "Wens: extra veld 'contactpersoon' op de cliëntkaart",
    "Verzoek: koppeling met {system}",
    "Wijzigingsverzoek: rapportage per wijk",
    "Graag een filter op einddatum indicatie",
    "Verzoek: dossiers in één keer afsluiten",
    "Nieuwe rol 'alleen lezen' voor stagiairs",
    "Verzoek: herinneringsmail bij verlopen indicatie",
    "Wens: eigen logo op afdrukken van het zorgplan",
];

const INCIDENT_TEXTS: &[&str] = &[
    "Sinds vanochtend krijgen meerdere medewerkers deze melding. Opnieuw inloggen helpt niet.",
    "Het probleem treedt op bij alle browsers. Een schermafdruk volgt.",
    "Gisteren werkte het nog. Sinds de update van vannacht gaat het mis.",
    "Het lijkt alleen bij {team} voor te komen; andere teams kunnen gewoon werken.",
    "We krijgen geen foutmelding, het scherm blijft simpelweg leeg.",
];

const QUESTION_TEXTS: &[&str] = &[
    "Kunnen jullie uitleggen hoe dit werkt? In de handleiding konden we het niet vinden.",
    "Een nieuwe collega vroeg ernaar; wij weten het zelf ook niet zeker.",
    "Graag een korte toelichting, eventueel telefonisch.",
];

const RFC_TEXTS: &[&str] = &[
    "Dit zou {team} veel handwerk besparen. Graag een inschatting van de kosten.",
    "Onze auditor vraagt hierom. Kan dit in een van de volgende releases?",
    "Wij horen graag of dit past in de roadmap.",
];

const FIRST_RESPONSES: &[&str] = &[
    "Dank voor uw melding. We hebben het kunnen reproduceren en zoeken de oorzaak.",
    "Wij kijken ernaar. Kunt u aangeven sinds wanneer dit speelt?",
    "Bedankt, de melding is in behandeling. We houden u op de hoogte.",
    "We zien het ook in de logbestanden en werken aan een oplossing.",
];

const ANSWERS: &[&str] = &[
    "Dat kan via Beheer > Instellingen. Een stappenplan staat in de bijlage.",
    "Ja, dat kan. Kies in het overzicht rechtsboven 'Exporteren'.",
    "Goede vraag: dit staat in hoofdstuk 4 van de handleiding, die we hebben bijgevoegd.",
    "Dat is een recht dat u als beheerder per rol kunt toekennen; zie de toelichting hieronder.",
];

const ASSESSMENTS: &[&str] = &[
    "Beoordeling: technisch haalbaar, geschat op 3 dagen werk. We nemen het mee in de planning.",
    "Beoordeling: dit past in de roadmap; we verwachten het in een van de volgende releases.",
    "Beoordeling: dit vraagt maatwerk. U ontvangt een offerte.",
    "Beoordeling: wij stellen een alternatief voor met bestaande functionaliteit, zie toelichting.",
];

const CLARIFY: &[&str] = &[
    "Kunt u een schermafdruk sturen en aangeven bij welke cliënt het optreedt?",
    "Om dit te onderzoeken hebben we de naam van een betrokken medewerker nodig.",
    "Welke browser en versie gebruikt u?",
    "Kunt u toelichten welk resultaat u precies verwacht?",
];

const CUSTOMER_REPLIES: &[&str] = &[
    "De schermafdruk staat in de bijlage.",
    "Het gaat om collega's van {team}; de melding komt elke keer terug.",
    "Wij gebruiken de laatste versie van Edge.",
    "Zie de toelichting hieronder; bel gerust als het niet duidelijk is.",
];

const NOTES: &[&str] = &[
    "Logs bekeken: time-outs op de koppeling tussen 08:50 en 09:20.",
    "Doorgezet naar het ontwikkelteam, issue aangemaakt.",
    "Zelfde oorzaak als de melding van vorige week; fix staat klaar voor de volgende release.",
    "Klant telefonisch gesproken, workaround uitgelegd.",
];

const RESOLUTIONS: &[&str] = &[
    "Opgelost: de koppeling is hersteld en de achterstand is verwerkt.",
    "Opgelost met een hotfix; graag even controleren.",
    "Oorzaak was een verlopen certificaat; vervangen.",
    "Rechten van de gebruiker gecorrigeerd; het werkt weer.",
    "Opgelost in release van vannacht.",
];

const RFC_OUTCOMES: &[&str] = &[
    "Gerealiseerd en uitgeleverd in de laatste feature-release.",
    "Afgewezen: dit past niet in de productvisie; zie de toelichting.",
    "Offerte geaccepteerd; opgeleverd op de acceptatieomgeving en daarna in productie.",
];

const REOPEN_REPLIES: &[&str] = &[
    "Helaas, het probleem doet zich opnieuw voor.",
    "Vanochtend zagen we dezelfde foutmelding weer.",
];

const CLOSE_REPLIES: &[&str] = &["Bevestigd, het werkt weer. Dank!", "Dank voor de uitleg."];

/// A caller for a person signed in through the web.
fn caller(p: &Person) -> Caller {
    Caller {
        scope: scope_of(p),
        person: p.clone(),
        via_token: false,
    }
}

fn internal(message: String) -> DeskError {
    DeskError::Internal(anyhow::anyhow!(message))
}

fn cal_err(e: sla::CalendarError) -> DeskError {
    internal(format!("demo calendar: {e}"))
}

fn at(second: i64) -> Result<Timestamp, DeskError> {
    Timestamp::from_second(second).map_err(|e| internal(format!("instant {second}: {e}")))
}

/// A name and a personal address (`j.devries@domain`) not used before.
fn person_name(rng: &mut Rng, used: &mut HashSet<String>, domain: &str) -> (String, String) {
    let mut tries = 0;
    loop {
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(SURNAMES);
        let initial = first.chars().next().unwrap_or('x').to_ascii_lowercase();
        let squashed: String = last
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let suffix = if tries > 50 {
            tries.to_string()
        } else {
            String::new()
        };
        let email = format!("{initial}.{squashed}{suffix}@{domain}");
        tries += 1;
        if used.insert(email.clone()) {
            return (format!("{first} {last}"), email);
        }
    }
}

/// Fills `{team}` and `{system}` in a template.
fn fill_in(rng: &mut Rng, template: &str) -> String {
    let mut s = template.to_string();
    if s.contains("{team}") {
        let team = *rng.pick(TEAMS);
        s = s.replace("{team}", team);
    }
    if s.contains("{system}") {
        let system = *rng.pick(SYSTEMS);
        s = s.replace("{system}", system);
    }
    s
}

/// A customer and its demo people.
struct Customer {
    org: Organization,
    admins: Vec<Caller>,
    per_year: i64,
    api_share: f64,
}

/// The numbers of people a plan may pick from.
struct Staff {
    agents: Vec<PersonId>,
    manager: PersonId,
    admins: usize,
    api_share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Web,
    Api,
    /// Registered by this agent.
    Phone(usize),
}

#[derive(Debug, Clone, Copy)]
enum Who {
    Agent(usize),
    Manager,
    Reporter,
}

/// What a step is, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Other,
    Priority,
    Reopen,
}

struct Step {
    at: i64,
    who: Who,
    action: Action,
    kind: Kind,
}

/// One ticket's whole story, planned before anything is filed.
struct Plan {
    org: usize,
    reporter: usize,
    channel: Channel,
    kind: TicketKind,
    priority: Option<Priority>,
    subject: String,
    description: String,
    /// When it was received (UTC seconds).
    received: i64,
    /// When it was recorded: received, or a few minutes later for a phone call.
    filed: i64,
    steps: Vec<Step>,
}

/// Relative weight (at most 1) of a ticket arriving at an instant: office hours mostly,
/// some early mornings and evenings, few nights, weekends and holidays.
fn arrival_weight(cal: &Calendar, t: i64) -> Result<f64, DeskError> {
    let local = cal.utc_to_local(t);
    let day = local.div_euclid(86_400);
    let hour = local.rem_euclid(86_400) / HOUR;
    if cal.is_open(at(t)?).map_err(cal_err)? {
        return Ok(match hour {
            9..=11 => 1.0,
            12 => 0.6,
            13..=15 => 0.85,
            _ => 0.7,
        });
    }
    let weekday = (day + 3).rem_euclid(7); // 0 = Monday (1970-01-01 was a Thursday)
    let noon = cal.local_to_utc(day * 86_400 + 12 * HOUR);
    let working = weekday < 5 && cal.is_open(at(noon)?).map_err(cal_err)?;
    Ok(match (working, hour) {
        (true, 7..=8) => 0.12,
        (true, 17..=21) => 0.07,
        (true, _) => 0.01,
        (false, 9..=20) => 0.03,
        (false, _) => 0.005,
    })
}

/// An arrival instant in `[from, until)`, by rejection sampling on [`arrival_weight`].
fn arrival(rng: &mut Rng, cal: &Calendar, from: i64, until: i64) -> Result<i64, DeskError> {
    loop {
        let t = rng.range(from, until - 1);
        if rng.unit() < arrival_weight(cal, t)? {
            return Ok(t);
        }
    }
}

/// Business seconds from `start` until each bound of the target set is due.
fn budgets(cal: &Calendar, policy: &Policy, kind: TicketKind, p: Priority, start: i64) -> Vec<i64> {
    policy
        .targets
        .for_ticket(kind, p)
        .bounds
        .iter()
        .filter_map(|b| {
            let due = cal.due_second(start, &b.within).ok()?;
            cal.elapsed_seconds(start, due).ok()
        })
        .collect()
}

/// When (business seconds after the clock start) the measured event happens: mostly well
/// within the first bound, sometimes between the bounds, rarely after the last.
fn draw_target(rng: &mut Rng, budgets: &[i64], between: f64, beyond: f64, spread: bool) -> i64 {
    let first = budgets.first().copied().unwrap_or(WORKING_DAY);
    let last = budgets.last().copied().unwrap_or(first);
    let r = rng.unit();
    let t = if r < beyond {
        last as f64 * (1.03 + 0.5 * rng.unit())
    } else if r < beyond + between && last > first {
        first as f64 + (last - first) as f64 * (0.05 + 0.9 * rng.unit())
    } else {
        let u = rng.unit();
        first as f64 * (0.03 + 0.92 * if spread { u } else { u * u })
    };
    (t as i64).max(10 * MINUTE)
}

fn plan_ticket(
    rng: &mut Rng,
    cal: &Calendar,
    policy: &Policy,
    org: usize,
    staff: &Staff,
    received: i64,
) -> Result<Plan, DeskError> {
    let r = rng.unit();
    let kind = if r < 0.6 {
        TicketKind::Incident
    } else if r < 0.93 {
        TicketKind::Question
    } else {
        TicketKind::Rfc
    };
    let reported = (kind == TicketKind::Incident).then(|| {
        let r = rng.unit();
        if r < 0.03 {
            Priority::Urgent
        } else if r < 0.17 {
            Priority::High
        } else if r < 0.72 {
            Priority::Normal
        } else {
            Priority::Low
        }
    });
    let office = cal.is_open(at(received)?).map_err(cal_err)?;
    let phone_share = match kind {
        TicketKind::Incident => 0.3,
        TicketKind::Question => 0.2,
        TicketKind::Rfc => 0.05,
    };
    let agent = rng.below(staff.agents.len());
    let channel = if office && rng.chance(phone_share) {
        Channel::Phone(rng.below(staff.agents.len()))
    } else if rng.chance(staff.api_share) {
        Channel::Api
    } else {
        Channel::Web
    };
    let filed = match channel {
        Channel::Phone(_) => received + rng.range(2 * MINUTE, 12 * MINUTE),
        _ => received,
    };
    let reporter = rng.below(staff.admins);
    let (subject, description) = match (kind, reported) {
        (TicketKind::Incident, Some(Priority::Urgent)) => {
            (text(rng, URGENT_SUBJECTS), text(rng, INCIDENT_TEXTS))
        }
        (TicketKind::Incident, _) => (text(rng, INCIDENT_SUBJECTS), text(rng, INCIDENT_TEXTS)),
        (TicketKind::Question, _) => (text(rng, QUESTION_SUBJECTS), text(rng, QUESTION_TEXTS)),
        (TicketKind::Rfc, _) => (text(rng, RFC_SUBJECTS), text(rng, RFC_TEXTS)),
    };

    let cs = cal.clock_start_second(received).map_err(cal_err)?;
    // Business offsets from the clock start, turned into instants in Service Window 1.
    let b = |offset: i64| cal.deadline_second(cs, offset.max(0)).map_err(cal_err);
    let later = |from: i64, business: i64| cal.deadline_second(from, business).map_err(cal_err);
    let mut steps: Vec<Step> = Vec::new();
    let step = |at: i64, who: Who, action: Action| Step {
        at,
        who,
        action,
        kind: Kind::Other,
    };
    let comment = |rng: &mut Rng, texts: &[&str]| Action::Comment {
        body: text(rng, texts),
        internal: false,
    };
    let status = |to: Status, reason: Option<&str>| Action::Status {
        to,
        reason: reason.map(str::to_string),
    };

    // The priority the service desk settles on, and why it changed.
    let change = match reported {
        Some(p) if rng.chance(0.1) => Some(match p {
            Priority::Urgent => (
                Priority::High,
                "Na analyse: één locatie getroffen, workaround beschikbaar",
            ),
            Priority::High if rng.chance(0.4) => (
                Priority::Urgent,
                "Geen enkele medewerker kan cliëntdossiers openen",
            ),
            Priority::High => (
                Priority::Normal,
                "Workaround beschikbaar; werk kan doorgaan",
            ),
            Priority::Normal if rng.chance(0.6) => (
                Priority::High,
                "Meerdere teams getroffen; registratie ligt stil",
            ),
            Priority::Normal => (Priority::Low, "Betreft één gebruiker; omzeiling mogelijk"),
            Priority::Low => (Priority::Normal, "Raakt ook de maandafsluiting"),
        }),
        _ => None,
    };
    let settled = change.map(|c| c.0).or(reported).unwrap_or(Priority::Normal);
    let budget = budgets(cal, policy, kind, settled, cs);
    let (between, beyond) = match (kind, settled) {
        (TicketKind::Incident, Priority::Urgent) => (0.04, 0.02),
        (TicketKind::Incident, Priority::High) => (0.02, 0.007),
        (TicketKind::Incident, Priority::Normal) => (0.03, 0.008),
        (TicketKind::Incident, Priority::Low) => (0.02, 0.005),
        (TicketKind::Question, _) => (0.03, 0.008),
        (TicketKind::Rfc, _) => (0.0, 0.03),
    };
    // Low priority incidents and RFCs take their time; the rest is mostly done quickly.
    let spread = matches!(
        (kind, settled),
        (TicketKind::Incident, Priority::Low) | (TicketKind::Rfc, _)
    );
    let target = draw_target(rng, &budget, between, beyond, spread);
    // Who handles it (RFCs often the service manager), and who assigns it: the handler
    // picking it up, or the service manager dispatching it.
    let (assignee, assignee_id) = if kind == TicketKind::Rfc && rng.chance(0.6) {
        (Who::Manager, staff.manager)
    } else {
        (Who::Agent(agent), staff.agents[agent])
    };
    let assigner = if rng.chance(0.4) {
        Who::Manager
    } else {
        assignee
    };
    let assign_b = rng.range(2 * MINUTE, 45 * MINUTE).min(target / 5);
    steps.push(step(
        b(assign_b)?,
        assigner,
        Action::Assign {
            to: Some(assignee_id),
        },
    ));
    let mut resolved_at;
    match kind {
        TicketKind::Incident => {
            let res_b = target;
            let mut cursor = assign_b;
            if let Some((to, reason)) = change {
                cursor += rng.range(MINUTE, 30 * MINUTE).min(res_b / 5);
                let who = if rng.chance(0.5) {
                    Who::Manager
                } else {
                    assignee
                };
                steps.push(Step {
                    kind: Kind::Priority,
                    ..step(
                        b(cursor)?,
                        who,
                        Action::Priority {
                            to,
                            reason: reason.into(),
                        },
                    )
                });
            }
            let max_response = match settled {
                Priority::Urgent => 15 * MINUTE,
                Priority::High => HOUR,
                Priority::Normal => 4 * HOUR,
                Priority::Low => 2 * WORKING_DAY,
            };
            let resp_b = cursor + rng.range(3 * MINUTE, max_response).min(res_b / 3);
            steps.push(step(b(resp_b)?, assignee, comment(rng, FIRST_RESPONSES)));
            let gap = (res_b - resp_b).max(0);
            if rng.chance(0.25) {
                let note = Action::Comment {
                    body: rng.pick(NOTES).to_string(),
                    internal: true,
                };
                steps.push(step(b(resp_b + gap / 10)?, assignee, note));
            }
            if rng.chance(0.15) {
                steps.push(step(b(resp_b + gap / 6)?, assignee, comment(rng, CLARIFY)));
                steps.push(step(
                    b(resp_b + gap / 6)?,
                    assignee,
                    status(
                        Status::WaitingOnCustomer,
                        Some("Wacht op gegevens van de klant"),
                    ),
                ));
                steps.push(step(
                    b(resp_b + gap * 3 / 5)?,
                    Who::Reporter,
                    comment(rng, CUSTOMER_REPLIES),
                ));
            }
            resolved_at = b(res_b)?;
            let reason = *rng.pick(RESOLUTIONS);
            steps.push(step(
                resolved_at,
                assignee,
                status(Status::Resolved, Some(reason)),
            ));
        }
        TicketKind::Question => {
            let answered = if rng.chance(0.12) {
                // The first response asks for clarification; the answer follows the reply.
                steps.push(step(b(target)?, assignee, comment(rng, CLARIFY)));
                steps.push(step(
                    b(target)?,
                    assignee,
                    status(Status::WaitingOnCustomer, Some("Wacht op toelichting")),
                ));
                let reply = later(b(target)?, rng.range(HOUR, 2 * WORKING_DAY))?;
                steps.push(step(reply, Who::Reporter, comment(rng, CUSTOMER_REPLIES)));
                let answer = later(reply, rng.range(30 * MINUTE, WORKING_DAY))?;
                steps.push(step(answer, assignee, comment(rng, ANSWERS)));
                answer
            } else {
                let answer = b(target)?;
                steps.push(step(answer, assignee, comment(rng, ANSWERS)));
                answer
            };
            resolved_at = later(answered, rng.range(MINUTE, 4 * HOUR))?;
            steps.push(step(
                resolved_at,
                assignee,
                status(Status::Resolved, Some("Vraag beantwoord")),
            ));
        }
        TicketKind::Rfc => {
            let assessed = b(target)?;
            steps.push(step(assessed, assignee, comment(rng, ASSESSMENTS)));
            let mut cursor = assessed;
            if rng.chance(0.2) {
                steps.push(step(
                    cursor,
                    assignee,
                    status(
                        Status::WaitingOnCustomer,
                        Some("Wacht op akkoord van de klant"),
                    ),
                ));
                cursor = later(cursor, rng.range(WORKING_DAY, 5 * WORKING_DAY))?;
                steps.push(step(
                    cursor,
                    Who::Reporter,
                    Action::Comment {
                        body: "Akkoord, graag uitvoeren zoals voorgesteld.".into(),
                        internal: false,
                    },
                ));
            }
            resolved_at = later(cursor, rng.range(5 * WORKING_DAY, 60 * WORKING_DAY))?;
            let outcome = *rng.pick(RFC_OUTCOMES);
            steps.push(step(
                resolved_at,
                assignee,
                status(Status::Resolved, Some(outcome)),
            ));
        }
    }

    // Reopened now and then: the customer reports it again, the desk resolves it again.
    let reopen_share = match kind {
        TicketKind::Incident => 0.04,
        TicketKind::Question => 0.015,
        TicketKind::Rfc => 0.0,
    };
    if rng.chance(reopen_share) {
        let reopened = later(resolved_at, rng.range(HOUR, 2 * WORKING_DAY))?;
        steps.push(Step {
            kind: Kind::Reopen,
            ..step(
                reopened,
                Who::Reporter,
                status(Status::Reopened, Some(*rng.pick(REOPEN_REPLIES))),
            )
        });
        resolved_at = later(reopened, rng.range(30 * MINUTE, 6 * HOUR))?;
        let reason = *rng.pick(RESOLUTIONS);
        steps.push(step(
            resolved_at,
            assignee,
            status(Status::Resolved, Some(reason)),
        ));
    }

    // Closed: by the customer confirming, or by the desk after five quiet working days.
    if rng.chance(0.35) {
        let confirmed = later(resolved_at, rng.range(HOUR, 2 * WORKING_DAY))?;
        steps.push(step(confirmed, Who::Reporter, comment(rng, CLOSE_REPLIES)));
        steps.push(step(confirmed, Who::Reporter, status(Status::Closed, None)));
    } else {
        let quiet = later(resolved_at, 5 * WORKING_DAY + rng.range(0, HOUR))?;
        steps.push(step(
            quiet,
            Who::Agent(agent),
            status(
                Status::Closed,
                Some("Automatisch gesloten na 5 werkdagen zonder reactie"),
            ),
        ));
    }

    // Every step strictly after the one before it (and after filing).
    let mut prev = filed;
    for s in &mut steps {
        if s.at <= prev {
            s.at = prev + rng.range(20, 3 * MINUTE);
        }
        prev = s.at;
    }
    Ok(Plan {
        org,
        reporter,
        channel,
        kind,
        priority: reported,
        subject,
        description,
        received,
        filed,
        steps,
    })
}

/// One of `templates`, filled in.
fn text(rng: &mut Rng, templates: &[&str]) -> String {
    let t = *rng.pick(templates);
    fill_in(rng, t)
}

/// SplitMix64: small, fast and good enough for demo data; no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        lo + ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}
