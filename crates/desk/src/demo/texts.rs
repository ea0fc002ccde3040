//! The demo's words: customers, names, teams, systems, and the texts of tickets and replies.

/// The e-mail domain of the vendor's staff.
pub(super) const VENDOR_DOMAIN: &str = "mextra.example";

pub(super) struct CustomerDef {
    pub(super) name: &'static str,
    pub(super) domain: &'static str,
    /// Share of its web filings that come in through the API.
    pub(super) api_share: f64,
}

pub(super) const CUSTOMERS: [CustomerDef; 5] = [
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

pub(super) const FIRST_NAMES: &[&str] = &[
    "Jan", "Anouk", "Pieter", "Sanne", "Willem", "Femke", "Daan", "Lotte", "Bram", "Eva", "Thijs",
    "Marieke", "Ruud", "Ingrid", "Joost", "Esther", "Kees", "Saskia", "Henk", "Maaike", "Sven",
    "Linda", "Gerrit", "Nicole", "Bas", "Iris", "Wouter", "Anja", "Hans", "Roos", "Koen", "Mirjam",
];

pub(super) const SURNAMES: &[&str] = &[
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

pub(super) const TEAMS: &[&str] = &[
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

pub(super) const SYSTEMS: &[&str] = &[
    "Vecozo",
    "het iWmo-berichtenverkeer",
    "het declaratieportaal",
    "de salarisadministratie",
    "het zaaksysteem",
    "het roosterpakket",
    "de e-mailserver",
];

pub(super) const URGENT_SUBJECTS: &[&str] = &[
    "MEXTRA niet bereikbaar voor alle medewerkers",
    "Niemand kan inloggen sinds vanochtend",
    "Cliëntgegevens niet zichtbaar in de hele organisatie",
    "Koppeling met {system} ligt volledig plat",
    "Foutmelding 500 bij openen van elk dossier",
];

pub(super) const INCIDENT_SUBJECTS: &[&str] = &[
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

pub(super) const QUESTION_SUBJECTS: &[&str] = &[
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

pub(super) const RFC_SUBJECTS: &[&str] = &[
    "Wens: extra veld 'contactpersoon' op de cliëntkaart",
    "Verzoek: koppeling met {system}",
    "Wijzigingsverzoek: rapportage per wijk",
    "Graag een filter op einddatum indicatie",
    "Verzoek: dossiers in één keer afsluiten",
    "Nieuwe rol 'alleen lezen' voor stagiairs",
    "Verzoek: herinneringsmail bij verlopen indicatie",
    "Wens: eigen logo op afdrukken van het zorgplan",
];

pub(super) const INCIDENT_TEXTS: &[&str] = &[
    "Sinds vanochtend krijgen meerdere medewerkers deze melding. Opnieuw inloggen helpt niet.",
    "Het probleem treedt op bij alle browsers. Een schermafdruk volgt.",
    "Gisteren werkte het nog. Sinds de update van vannacht gaat het mis.",
    "Het lijkt alleen bij {team} voor te komen; andere teams kunnen gewoon werken.",
    "We krijgen geen foutmelding, het scherm blijft simpelweg leeg.",
];

pub(super) const QUESTION_TEXTS: &[&str] = &[
    "Kunnen jullie uitleggen hoe dit werkt? In de handleiding konden we het niet vinden.",
    "Een nieuwe collega vroeg ernaar; wij weten het zelf ook niet zeker.",
    "Graag een korte toelichting, eventueel telefonisch.",
];

pub(super) const RFC_TEXTS: &[&str] = &[
    "Dit zou {team} veel handwerk besparen. Graag een inschatting van de kosten.",
    "Onze auditor vraagt hierom. Kan dit in een van de volgende releases?",
    "Wij horen graag of dit past in de roadmap.",
];

pub(super) const FIRST_RESPONSES: &[&str] = &[
    "Dank voor uw melding. We hebben het kunnen reproduceren en zoeken de oorzaak.",
    "Wij kijken ernaar. Kunt u aangeven sinds wanneer dit speelt?",
    "Bedankt, de melding is in behandeling. We houden u op de hoogte.",
    "We zien het ook in de logbestanden en werken aan een oplossing.",
];

pub(super) const ANSWERS: &[&str] = &[
    "Dat kan via Beheer > Instellingen. Een stappenplan staat in de bijlage.",
    "Ja, dat kan. Kies in het overzicht rechtsboven 'Exporteren'.",
    "Goede vraag: dit staat in hoofdstuk 4 van de handleiding, die we hebben bijgevoegd.",
    "Dat is een recht dat u als beheerder per rol kunt toekennen; zie de toelichting hieronder.",
];

pub(super) const ASSESSMENTS: &[&str] = &[
    "Beoordeling: technisch haalbaar, geschat op 3 dagen werk. We nemen het mee in de planning.",
    "Beoordeling: dit past in de roadmap; we verwachten het in een van de volgende releases.",
    "Beoordeling: dit vraagt maatwerk. U ontvangt een offerte.",
    "Beoordeling: wij stellen een alternatief voor met bestaande functionaliteit, zie toelichting.",
];

pub(super) const CLARIFY: &[&str] = &[
    "Kunt u een schermafdruk sturen en aangeven bij welke cliënt het optreedt?",
    "Om dit te onderzoeken hebben we de naam van een betrokken medewerker nodig.",
    "Welke browser en versie gebruikt u?",
    "Kunt u toelichten welk resultaat u precies verwacht?",
];

pub(super) const CUSTOMER_REPLIES: &[&str] = &[
    "De schermafdruk staat in de bijlage.",
    "Het gaat om collega's van {team}; de melding komt elke keer terug.",
    "Wij gebruiken de laatste versie van Edge.",
    "Zie de toelichting hieronder; bel gerust als het niet duidelijk is.",
];

pub(super) const NOTES: &[&str] = &[
    "Logs bekeken: time-outs op de koppeling tussen 08:50 en 09:20.",
    "Doorgezet naar het ontwikkelteam, issue aangemaakt.",
    "Zelfde oorzaak als de melding van vorige week; fix staat klaar voor de volgende release.",
    "Klant telefonisch gesproken, workaround uitgelegd.",
];

pub(super) const RESOLUTIONS: &[&str] = &[
    "Opgelost: de koppeling is hersteld en de achterstand is verwerkt.",
    "Opgelost met een hotfix; graag even controleren.",
    "Oorzaak was een verlopen certificaat; vervangen.",
    "Rechten van de gebruiker gecorrigeerd; het werkt weer.",
    "Opgelost in release van vannacht.",
];

pub(super) const RFC_OUTCOMES: &[&str] = &[
    "Gerealiseerd en uitgeleverd in de laatste feature-release.",
    "Afgewezen: dit past niet in de productvisie; zie de toelichting.",
    "Offerte geaccepteerd; opgeleverd op de acceptatieomgeving en daarna in productie.",
];

pub(super) const REOPEN_REPLIES: &[&str] = &[
    "Helaas, het probleem doet zich opnieuw voor.",
    "Vanochtend zagen we dezelfde foutmelding weer.",
];

pub(super) const CLOSE_REPLIES: &[&str] =
    &["Bevestigd, het werkt weer. Dank!", "Dank voor de uitleg."];
