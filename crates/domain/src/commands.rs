//! Commands: what a person asks to be recorded on a child's journey, before it is recorded.
//!
//! The one write path for casework runs through here. A page handler reads a form, or an API
//! handler reads JSON, into a command; the command checks what it can know on its own (dates,
//! lengths, codes for the collection year) and becomes a [`NewEvent`]; the store then stamps
//! the event with its position, the time from its clock and the acting user's worker, checks
//! it against the child's history and appends it with its audit row in one transaction
//! (`Journeys::record`). A [`NewEvent`] has no recording time, author or position, so a caller
//! can never supply them; the stored `JourneyEvent` has all three.
//!
//! A new capability (the front door, Family Help, a statutory journey) adds its own command
//! types here, each implementing [`Command`], and its own `record_*` permission is the one for
//! the command's family of events (`Permission::to_record`).

use chrono::{NaiveDate, NaiveTime};

use crate::DomainError;
use crate::events::{EventCategory, EventKind, Supersession, VisitPurpose};
use crate::ids::{EventSeq, PersonId};

/// An event as asked for, checked by its command, not yet recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub child: PersonId,
    /// The date the event took effect.
    pub effective: NaiveDate,
    /// The time of day it took effect, where that matters.
    pub effective_time: Option<NaiveTime>,
    /// The earlier event this one corrects or withdraws, and why.
    pub supersedes: Option<Supersession>,
    pub kind: EventKind,
}

/// One thing wrong with what was sent: the field, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name, or its path in a JSON body (`children[0].nhs_number`).
    pub field: String,
    pub message: String,
}

/// Why a command was refused: every field that is wrong, so a form can show them all at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    /// The message for one field, if it is wrong.
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

impl From<Invalid> for DomainError {
    fn from(i: Invalid) -> Self {
        match i.0.into_iter().next() {
            Some(e) => DomainError::Field {
                field: "command",
                message: format!("{}: {}", e.field, e.message),
            },
            None => DomainError::Field {
                field: "command",
                message: "the command was refused".to_string(),
            },
        }
    }
}

/// Something a person asks to record on a child's journey.
pub trait Command {
    /// The family of events it records. Recording it needs the `record_*` permission for that
    /// family (`Permission::to_record`) at a scope that reaches the child.
    fn category(&self) -> EventCategory;
    /// Checks the command and turns it into the event to record. `today` is the council's
    /// civil date, from the store's clock.
    fn into_event(self, child: PersonId, today: NaiveDate) -> Result<NewEvent, Invalid>;
}

/// Collects the field errors of one command.
#[derive(Default)]
pub(crate) struct Check(pub(crate) Vec<FieldError>);

impl Check {
    pub(crate) fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }
    /// An effective date: not in the future.
    fn date(&mut self, field: &'static str, d: NaiveDate, today: NaiveDate) {
        if d > today {
            self.fail(
                field,
                format!(
                    "The date cannot be in the future (today is {})",
                    today.format("%d/%m/%Y")
                ),
            );
        }
    }
    /// Text that must be given, trimmed, of at most `max` characters.
    pub(crate) fn text(&mut self, field: &str, what: &str, t: &str, max: usize) -> String {
        let t = t.trim();
        if t.is_empty() {
            self.fail(field, format!("Enter {what}"));
        } else if t.chars().count() > max {
            self.fail(
                field,
                format!(
                    "{} must be {max} characters or fewer (it has {})",
                    capitalise(what),
                    t.chars().count()
                ),
            );
        } else if t
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.fail(
                field,
                format!("{} contains control characters", capitalise(what)),
            );
        }
        t.to_string()
    }
    fn finish(self, e: NewEvent) -> Result<NewEvent, Invalid> {
        if self.0.is_empty() {
            Ok(e)
        } else {
            Err(Invalid(self.0))
        }
    }
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The longest case note, in characters (about ten pages).
pub const MAX_NOTE: usize = 20_000;
/// The longest subject line or reason, in characters.
pub const MAX_LINE: usize = 200;
/// The longest reason for a correction, in characters.
pub const MAX_REASON: usize = 1_000;

/// Write a case note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCaseNote {
    pub effective: NaiveDate,
    pub subject: String,
    pub text: String,
}

impl Command for RecordCaseNote {
    fn category(&self) -> EventCategory {
        EventCategory::Note
    }
    fn into_event(self, child: PersonId, today: NaiveDate) -> Result<NewEvent, Invalid> {
        let mut c = Check::default();
        c.date("effective", self.effective, today);
        let subject = c.text("subject", "a subject", &self.subject, MAX_LINE);
        let text = c.text("text", "the note", &self.text, MAX_NOTE);
        c.finish(NewEvent {
            child,
            effective: self.effective,
            effective_time: None,
            supersedes: None,
            kind: EventKind::CaseNote { subject, text },
        })
    }
}

/// Record a visit to the child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordVisit {
    pub effective: NaiveDate,
    pub purpose: VisitPurpose,
    pub seen_alone: bool,
}

impl Command for RecordVisit {
    fn category(&self) -> EventCategory {
        EventCategory::Visit
    }
    fn into_event(self, child: PersonId, today: NaiveDate) -> Result<NewEvent, Invalid> {
        let mut c = Check::default();
        c.date("effective", self.effective, today);
        c.finish(NewEvent {
            child,
            effective: self.effective,
            effective_time: None,
            supersedes: None,
            kind: EventKind::Visit {
                purpose: self.purpose,
                seen_alone: self.seen_alone,
            },
        })
    }
}

/// Withdraw an entry made in error, without replacing it. The withdrawal takes effect today;
/// the entry stays in the log, marked as withdrawn, and drops out of the child's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawEntry {
    pub event: EventSeq,
    pub reason: String,
}

impl Command for WithdrawEntry {
    fn category(&self) -> EventCategory {
        EventCategory::Correction
    }
    fn into_event(self, child: PersonId, today: NaiveDate) -> Result<NewEvent, Invalid> {
        let mut c = Check::default();
        let reason = c.text("reason", "the reason", &self.reason, MAX_REASON);
        c.finish(NewEvent {
            child,
            effective: today,
            effective_time: None,
            supersedes: Some(Supersession {
                event: self.event,
                reason,
            }),
            kind: EventKind::Withdrawn,
        })
    }
}

/// Replace an entry with a corrected one: the corrected event takes the place of the old in
/// the child's history, which is checked again as corrected.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectEntry {
    pub event: EventSeq,
    pub reason: String,
    pub effective: NaiveDate,
    pub effective_time: Option<NaiveTime>,
    pub replacement: EventKind,
}

impl Command for CorrectEntry {
    fn category(&self) -> EventCategory {
        EventCategory::Correction
    }
    fn into_event(self, child: PersonId, today: NaiveDate) -> Result<NewEvent, Invalid> {
        let mut c = Check::default();
        let reason = c.text("reason", "the reason", &self.reason, MAX_REASON);
        c.date("effective", self.effective, today);
        if self.replacement == EventKind::Withdrawn {
            c.fail(
                "replacement",
                "To withdraw an entry without replacing it, withdraw it",
            );
        }
        if let Err(e) = self.replacement.check_codes(self.effective) {
            c.fail("replacement", e.to_string());
        }
        c.finish(NewEvent {
            child,
            effective: self.effective,
            effective_time: self.effective_time,
            supersedes: Some(Supersession {
                event: self.event,
                reason,
            }),
            kind: self.replacement,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn a_case_note_is_checked_field_by_field() {
        let bad = RecordCaseNote {
            effective: day(4),
            subject: "  ".into(),
            text: "x".repeat(MAX_NOTE + 1),
        }
        .into_event(PersonId(1), day(3))
        .unwrap_err();
        assert!(bad.message_for("effective").unwrap().contains("future"));
        assert_eq!(bad.message_for("subject"), Some("Enter a subject"));
        assert!(
            bad.message_for("text")
                .unwrap()
                .contains("20000 characters or fewer")
        );
        let ok = RecordCaseNote {
            effective: day(3),
            subject: " Visit ".into(),
            text: "Seen at home.\nWell.".into(),
        }
        .into_event(PersonId(1), day(3))
        .unwrap();
        assert_eq!(
            ok.kind,
            EventKind::CaseNote {
                subject: "Visit".into(),
                text: "Seen at home.\nWell.".into()
            }
        );
        let control = RecordCaseNote {
            effective: day(3),
            subject: "a\u{7}b".into(),
            text: "t".into(),
        }
        .into_event(PersonId(1), day(3))
        .unwrap_err();
        assert!(control.message_for("subject").is_some());
    }

    #[test]
    fn a_withdrawal_takes_effect_today_and_needs_a_reason() {
        let w = WithdrawEntry {
            event: EventSeq(9),
            reason: "Wrong child".into(),
        }
        .into_event(PersonId(2), day(3))
        .unwrap();
        assert_eq!(w.effective, day(3));
        assert_eq!(w.kind, EventKind::Withdrawn);
        assert_eq!(w.supersedes.map(|s| s.event), Some(EventSeq(9)));
        let e = WithdrawEntry {
            event: EventSeq(9),
            reason: "".into(),
        }
        .into_event(PersonId(2), day(3))
        .unwrap_err();
        assert_eq!(e.message_for("reason"), Some("Enter the reason"));
    }

    #[test]
    fn a_correction_cannot_be_a_withdrawal_or_carry_a_wrong_code() {
        let e = CorrectEntry {
            event: EventSeq(3),
            reason: "typo".into(),
            effective: day(1),
            effective_time: None,
            replacement: EventKind::Withdrawn,
        }
        .into_event(PersonId(1), day(3))
        .unwrap_err();
        assert!(e.message_for("replacement").is_some());
        let wrong: EventKind =
            serde_json::from_str(r#"{"type":"referral_closed","reason":"RC8"}"#).unwrap();
        let ok = CorrectEntry {
            event: EventSeq(3),
            reason: "typo".into(),
            effective: day(1),
            effective_time: None,
            replacement: wrong,
        }
        .into_event(PersonId(1), day(3));
        assert!(ok.is_ok());
    }
}
