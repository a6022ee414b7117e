//! People, their names and identifiers, and the families and households they live in.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::codes::{Disability, Ethnicity, Sex, UpnUnknown};
use crate::ids::{HouseholdId, LocalityId, NhsNumber, PersonId, Postcode, Upn};

/// Whether a person is a child, an adult or a child not yet born.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    Child,
    Adult,
    Unborn,
}

impl PersonKind {
    /// The stored name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Child => "child",
            Self::Adult => "adult",
            Self::Unborn => "unborn",
        }
    }
    /// Reads a stored kind.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "child" => Some(Self::Child),
            "adult" => Some(Self::Adult),
            "unborn" => Some(Self::Unborn),
            _ => None,
        }
    }
}

/// Which kind of name a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    Current,
    Former,
    Alias,
}

/// A name a person is or was known by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonName {
    pub given: String,
    pub family: String,
    pub kind: NameKind,
}

impl PersonName {
    /// Given name then family name.
    pub fn full(&self) -> String {
        format!("{} {}", self.given, self.family)
    }
}

/// A person as the record holds them. Codes (sex, ethnicity, disability) are from the DfE lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub kind: PersonKind,
    /// The current name first, then former names and aliases.
    pub names: Vec<PersonName>,
    pub date_of_birth: Option<NaiveDate>,
    pub expected_date_of_birth: Option<NaiveDate>,
    pub date_of_death: Option<NaiveDate>,
    /// M, F or U.
    pub sex: Sex,
    pub ethnicity: Ethnicity,
    pub disabilities: Vec<Disability>,
    pub nhs_number: Option<NhsNumber>,
    pub upn: Option<Upn>,
    pub former_upn: Option<Upn>,
    /// The UPN-unknown reason when there is no UPN (UN1 to UN7).
    pub upn_unknown: Option<UpnUnknown>,
    pub language: Option<String>,
    /// An unaccompanied asylum-seeking child.
    pub uasc: bool,
    /// The date the child stopped being an unaccompanied asylum-seeking child (SSDA903 UASC
    /// DUC), usually their 18th birthday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uasc_ceased: Option<NaiveDate>,
}

impl Person {
    /// The current name.
    pub fn name(&self) -> Option<&PersonName> {
        self.names
            .iter()
            .find(|n| n.kind == NameKind::Current)
            .or(self.names.first())
    }
    /// The current name as one string, or "(no name recorded)".
    pub fn display_name(&self) -> String {
        self.name()
            .map(PersonName::full)
            .unwrap_or_else(|| "(no name recorded)".to_string())
    }
    /// Age in whole years on a date, when the date of birth is known.
    pub fn age_on(&self, on: NaiveDate) -> Option<i32> {
        self.date_of_birth.map(|dob| age_on(dob, on))
    }
}

/// Age in whole years on a date.
pub fn age_on(dob: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        age -= 1;
    }
    age
}

/// How one person stands to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipKind {
    /// `person` is a parent of `related`.
    Parent,
    /// `person` is a carer (not a parent) of `related`.
    Carer,
    Sibling,
    HouseholdMember,
    Other,
}

impl RelationshipKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parent => "parent",
            Self::Carer => "carer",
            Self::Sibling => "sibling",
            Self::HouseholdMember => "household_member",
            Self::Other => "other",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "parent" => Self::Parent,
            "carer" => Self::Carer,
            "sibling" => Self::Sibling,
            "household_member" => Self::HouseholdMember,
            "other" => Self::Other,
            _ => return None,
        })
    }
}

/// A relationship between two people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relationship {
    pub person: PersonId,
    pub related: PersonId,
    pub kind: RelationshipKind,
}

/// An address a household lives or lived at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    pub town: String,
    pub postcode: Postcode,
    pub locality: LocalityId,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// A family or household: the people who live together and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    pub id: HouseholdId,
    pub members: Vec<HouseholdMember>,
    /// Addresses in date order; the last with no end date is current.
    pub addresses: Vec<Address>,
}

/// A person's membership of a household over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdMember {
    pub person: PersonId,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_turns_on_the_birthday() {
        let dob = NaiveDate::from_ymd_opt(2010, 6, 15).unwrap_or_default();
        let on = |m, d| NaiveDate::from_ymd_opt(2020, m, d).unwrap_or_default();
        assert_eq!(age_on(dob, on(6, 14)), 9);
        assert_eq!(age_on(dob, on(6, 15)), 10);
    }
}
