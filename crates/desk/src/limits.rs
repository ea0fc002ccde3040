//! The length limit of every free-text field, in one table: the services check them, the
//! pages show them, the OpenAPI document states them (`maxLength`).
//!
//! Lengths are counted in characters (Unicode scalar values, what JSON Schema's `maxLength`
//! counts and what `str::chars` yields), never in bytes, and of the text as sent, before any
//! trimming, so that the document and the server agree on every string. A text over its limit
//! is [`DeskError::TooLong`], naming the field; the API answers it with 400 (the request breaks
//! the document), a page shows the form again with the limit in the person's language.

use crate::DeskError;

/// A ticket's subject.
pub const TICKET_SUBJECT: usize = 300;
/// A ticket's description (the text filed with it).
pub const TICKET_DESCRIPTION: usize = 100_000;
/// A reply, a customer's comment or an internal note.
pub const COMMENT: usize = 100_000;
/// Why an incident's priority changed (SLA §6.2).
pub const PRIORITY_REASON: usize = 2000;
/// Why a ticket's status changed (a customer's refusal of a resolution, for instance).
pub const STATUS_REASON: usize = 2000;
/// Why a ticket missed its target, as the monthly report lists it.
pub const MISS_REASON: usize = 2000;
/// A search in the ticket listing (the queue's subject filter).
pub const TICKET_SEARCH: usize = 200;
/// A saved view's name.
pub const VIEW_NAME: usize = 80;
/// A person's name.
pub const PERSON_NAME: usize = 200;
/// An e-mail address (RFC 5321's longest path).
pub const EMAIL: usize = 254;
/// A password (at least [`PASSWORD_MIN`]).
pub const PASSWORD: usize = 1024;
/// The shortest password.
pub const PASSWORD_MIN: usize = 12;
/// A personal API token's name.
pub const TOKEN_NAME: usize = 100;
/// A customer's (organization's) name.
pub const ORGANIZATION_NAME: usize = 200;
/// An agreement version's name.
pub const AGREEMENT_NAME: usize = 200;
/// The reference to an agreement's signed document.
pub const DOCUMENT_REF: usize = 300;
/// An agreement's policy text (TOML).
pub const POLICY: usize = 100_000;
/// An environment's name.
pub const ENVIRONMENT_NAME: usize = 200;
/// A monitor's target: a URL, `host:port` or a push monitor's label.
pub const MONITOR_TARGET: usize = 2000;
/// The text an HTTP monitor looks for in the body.
pub const MONITOR_KEYWORD: usize = 200;
/// Why an outage was registered, corrected or classified.
pub const OUTAGE_REASON: usize = 2000;
/// What announced maintenance does.
pub const MAINTENANCE_DESCRIPTION: usize = 2000;
/// A meeting's title and location, an attendee's name and role, an action item's owner.
pub const MEETING_TEXT: usize = 200;
/// A meeting's online link.
pub const MEETING_LINK: usize = 2000;
/// A meeting's minutes.
pub const MINUTES: usize = 20_000;
/// One decision of a meeting.
pub const DECISION: usize = 2000;
/// What an action item asks, and the note it is completed with.
pub const ACTION_ITEM: usize = 2000;
/// An escalation step's free text: names, reasons, descriptions, minutes, why.
pub const ESCALATION_TEXT: usize = 4000;

/// An RFC assessment's impact on functionality, and on security and privacy.
pub const ASSESSMENT_TEXT: usize = 4000;
/// An RFC assessment's design reference (text or URL).
pub const ASSESSMENT_DESIGN: usize = 2000;
/// The release an RFC assessment plans it for.
pub const ASSESSMENT_RELEASE: usize = 200;

/// An attachment's file name: cut to this length rather than refused (the browser writes it,
/// not the person).
pub const FILE_NAME: usize = 200;

/// The most files that go with a ticket as it is filed.
pub const FILING_FILES: usize = 10;

/// One line of the table: a field as the API names it, where it is, and its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The place: the operation or form and the field.
    pub place: &'static str,
    /// The longest text, in characters.
    pub max: usize,
}

/// Every free-text field and its limit, for the documentation and the tests that walk them.
pub const TABLE: &[Limit] = &[
    Limit {
        place: "RFC assessment impact (functionality, security and privacy)",
        max: ASSESSMENT_TEXT,
    },
    Limit {
        place: "RFC assessment design reference",
        max: ASSESSMENT_DESIGN,
    },
    Limit {
        place: "RFC assessment planned release",
        max: ASSESSMENT_RELEASE,
    },
    Limit {
        place: "ticket subject",
        max: TICKET_SUBJECT,
    },
    Limit {
        place: "ticket description",
        max: TICKET_DESCRIPTION,
    },
    Limit {
        place: "comment body (reply, note)",
        max: COMMENT,
    },
    Limit {
        place: "priority change reason",
        max: PRIORITY_REASON,
    },
    Limit {
        place: "status change reason",
        max: STATUS_REASON,
    },
    Limit {
        place: "miss reason",
        max: MISS_REASON,
    },
    Limit {
        place: "ticket search `q`",
        max: TICKET_SEARCH,
    },
    Limit {
        place: "saved view name",
        max: VIEW_NAME,
    },
    Limit {
        place: "person name",
        max: PERSON_NAME,
    },
    Limit {
        place: "e-mail address",
        max: EMAIL,
    },
    Limit {
        place: "password",
        max: PASSWORD,
    },
    Limit {
        place: "API token name",
        max: TOKEN_NAME,
    },
    Limit {
        place: "organization name",
        max: ORGANIZATION_NAME,
    },
    Limit {
        place: "agreement name",
        max: AGREEMENT_NAME,
    },
    Limit {
        place: "agreement document reference",
        max: DOCUMENT_REF,
    },
    Limit {
        place: "agreement policy",
        max: POLICY,
    },
    Limit {
        place: "environment name",
        max: ENVIRONMENT_NAME,
    },
    Limit {
        place: "monitor target",
        max: MONITOR_TARGET,
    },
    Limit {
        place: "monitor keyword",
        max: MONITOR_KEYWORD,
    },
    Limit {
        place: "outage reason",
        max: OUTAGE_REASON,
    },
    Limit {
        place: "maintenance description",
        max: MAINTENANCE_DESCRIPTION,
    },
    Limit {
        place: "meeting title, location, attendee, role, owner",
        max: MEETING_TEXT,
    },
    Limit {
        place: "meeting link",
        max: MEETING_LINK,
    },
    Limit {
        place: "meeting minutes",
        max: MINUTES,
    },
    Limit {
        place: "meeting decision",
        max: DECISION,
    },
    Limit {
        place: "action item, completion note",
        max: ACTION_ITEM,
    },
    Limit {
        place: "escalation texts",
        max: ESCALATION_TEXT,
    },
    Limit {
        place: "attachment file name (cut, not refused)",
        max: FILE_NAME,
    },
];

/// Whether `text` has more than `max` characters, counting no further than needed.
pub fn over(text: &str, max: usize) -> bool {
    text.chars().nth(max).is_some()
}

/// Refuses `text` when it has more than `max` characters, naming `field`.
pub fn check(field: &str, text: &str, max: usize) -> Result<(), DeskError> {
    if over(text, max) {
        return Err(DeskError::TooLong {
            field: field.to_string(),
            max,
        });
    }
    Ok(())
}

/// [`check`] for an optional text.
pub fn check_opt(field: &str, text: Option<&str>, max: usize) -> Result<(), DeskError> {
    text.map_or(Ok(()), |t| check(field, t, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_not_bytes() {
        assert!(check("f", &"é".repeat(3), 3).is_ok());
        assert!(check("f", &"😀".repeat(3), 3).is_ok());
        assert!(check("f", "", 0).is_ok());
        match check("subject", &"é".repeat(4), 3) {
            Err(DeskError::TooLong { field, max }) => {
                assert_eq!((field.as_str(), max), ("subject", 3));
            }
            other => panic!("{other:?}"),
        }
        // Blanks count: the limit is on the text as sent.
        assert!(over("abc ", 3));
        assert!(check_opt("f", None, 0).is_ok());
        assert!(check_opt("f", Some("ab"), 1).is_err());
    }

    #[test]
    fn table_is_positive_and_within_the_body_limit() {
        for l in TABLE {
            assert!(l.max > 0, "{}", l.place);
            // Four bytes a character at most, and the API reads 256 KiB of body.
            assert!(l.max <= 100_000, "{}", l.place);
        }
    }
}
