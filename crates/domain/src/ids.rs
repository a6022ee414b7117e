//! Identifiers: the database keys Stepwise gives things, and the national identifiers that are
//! validated at the edge (NHS number, unique pupil number, postcode) and dates typed by people.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::DomainError;

macro_rules! key {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

key!(
    /// A person: child, adult or unborn child.
    PersonId
);
key!(
    /// A family or household.
    HouseholdId
);
key!(
    /// A worker in the authority's establishment.
    WorkerId
);
key!(
    /// A team.
    TeamId
);
key!(
    /// A locality or hub.
    LocalityId
);
key!(
    /// An event in the journey log, by its position in the log.
    EventSeq
);
key!(
    /// A signed-in user of Stepwise.
    UserId
);

/// The local person identifier shown to practitioners and used as `LAchildID` in returns.
pub fn local_person_id(id: PersonId) -> String {
    format!("P{:07}", id.0)
}

/// Reads a local person identifier (`P0001234`, case-insensitive) back into a person key.
pub fn parse_local_person_id(s: &str) -> Option<PersonId> {
    let t = s.trim();
    let rest = t.strip_prefix('P').or_else(|| t.strip_prefix('p'))?;
    if rest.is_empty() || rest.len() > 12 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok().map(PersonId)
}

/// An NHS number: ten digits whose last is a modulus-11 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

impl NhsNumber {
    /// Parses ten digits, allowing spaces or hyphens between groups, and checks the check digit.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let err = |message: &str| DomainError::InvalidIdentifier {
            field: "NHS number",
            value: input.to_string(),
            message: message.to_string(),
        };
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("must be 10 digits"));
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        match nhs_check_digit(&d[..9]) {
            Some(c) if c == d[9] => Ok(Self(digits)),
            Some(_) => Err(err("the check digit does not match")),
            None => Err(err("no valid check digit exists for these digits")),
        }
    }
    /// The ten digits with no spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The number as people write it: 3-3-4 with spaces.
    pub fn formatted(&self) -> String {
        format!("{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

/// The modulus-11 check digit for the first nine digits of an NHS number, or `None` when the
/// remainder makes the number invalid (check value 10).
pub fn nhs_check_digit(first_nine: &[u32]) -> Option<u32> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c),
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<NhsNumber> for String {
    fn from(n: NhsNumber) -> Self {
        n.0
    }
}
impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

/// The 23 letters of the UPN check alphabet (no I, O or S), indexed by value.
const UPN_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A unique pupil number: a check letter, a 3-digit LA code, a 4-digit establishment number, a
/// 2-digit year and a 3-character serial whose last character may be a letter (temporary UPN).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Upn(String);

impl Upn {
    /// Parses a 13-character UPN and checks its check letter.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_ascii_uppercase();
        let err = |message: &str| DomainError::InvalidIdentifier {
            field: "UPN",
            value: input.to_string(),
            message: message.to_string(),
        };
        let b = s.as_bytes();
        if b.len() != 13 {
            return Err(err("must be 13 characters"));
        }
        if !b[1..12].iter().all(u8::is_ascii_digit) {
            return Err(err("characters 2 to 12 must be digits"));
        }
        if !(b[12].is_ascii_digit() || UPN_ALPHABET.contains(&b[12])) {
            return Err(err(
                "the last character must be a digit or a check-alphabet letter",
            ));
        }
        match upn_check_letter(&s[1..]) {
            Some(c) if c == b[0] as char => Ok(Self(s)),
            _ => Err(err("the check letter does not match")),
        }
    }
    /// The UPN as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The check letter for characters 2 to 13 of a UPN.
pub fn upn_check_letter(rest: &str) -> Option<char> {
    let b = rest.as_bytes();
    if b.len() != 12 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in b.iter().enumerate() {
        let value = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            UPN_ALPHABET.iter().position(|&a| a == c)? as u32
        };
        sum += value * (i as u32 + 2);
    }
    Some(UPN_ALPHABET[(sum % 23) as usize] as char)
}

impl TryFrom<String> for Upn {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Upn> for String {
    fn from(n: Upn) -> Self {
        n.0
    }
}
impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A UK postcode in its normal form: upper case, one space before the inward code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

impl Postcode {
    /// Parses a postcode in any case and spacing, checking the outward and inward code shapes.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let err = || DomainError::InvalidIdentifier {
            field: "postcode",
            value: input.to_string(),
            message: "is not a UK postcode (for example SW1A 1AA)".to_string(),
        };
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(err());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let ib = inward.as_bytes();
        if !(ib[0].is_ascii_digit() && ib[1].is_ascii_alphabetic() && ib[2].is_ascii_alphabetic()) {
            return Err(err());
        }
        let shape: String = outward
            .bytes()
            .map(|c| {
                if c.is_ascii_digit() {
                    '9'
                } else if c.is_ascii_alphabetic() {
                    'A'
                } else {
                    '?'
                }
            })
            .collect();
        if !matches!(
            shape.as_str(),
            "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
        ) {
            return Err(err());
        }
        Ok(Self(format!("{outward} {inward}")))
    }
    /// The postcode in normal form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The outward code (the part before the space), which names the district.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or("")
    }
}

impl TryFrom<String> for Postcode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Postcode> for String {
    fn from(n: Postcode) -> Self {
        n.0
    }
}
impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads a date as people type it (`2015-03-12`, `12/03/2015`, `12-03-2015`, `12 3 2015`),
/// refusing impossible dates such as 31/02/2015.
pub fn parse_date(field: &'static str, input: &str) -> Result<NaiveDate, DomainError> {
    let s = input.trim();
    let err = |message: &str| DomainError::InvalidDate {
        field,
        value: input.to_string(),
        message: message.to_string(),
    };
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    let parts: Vec<&str> = s
        .split(['/', '-', ' ', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(err("must be a date such as 27/03/2015"));
    }
    let (d, m, y): (u32, u32, i32) = match (parts[0].parse(), parts[1].parse(), parts[2].parse()) {
        (Ok(d), Ok(m), Ok(y)) => (d, m, y),
        _ => return Err(err("must be a date such as 27/03/2015")),
    };
    if parts[2].len() != 4 {
        return Err(err("the year must have four digits"));
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| err("is not a real date"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nhs_number_known_values() {
        // 943 476 5919 is the NHS number used in NHS Digital's published examples.
        assert!(NhsNumber::parse("943 476 5919").is_ok());
        assert!(NhsNumber::parse("9434765918").is_err());
        assert!(NhsNumber::parse("94347659").is_err());
        assert!(NhsNumber::parse("94347659AB").is_err());
        assert_eq!(
            NhsNumber::parse("943-476-5919")
                .map(|n| n.formatted())
                .ok()
                .as_deref(),
            Some("943 476 5919")
        );
    }

    #[test]
    fn upn_check_letter_round_trips_and_rejects_changes() {
        let rest = "820200115001";
        let c = upn_check_letter(rest).unwrap_or('?');
        let upn = format!("{c}{rest}");
        assert!(Upn::parse(&upn).is_ok());
        let wrong = if c == 'A' { 'B' } else { 'A' };
        assert!(Upn::parse(&format!("{wrong}{rest}")).is_err());
        assert!(Upn::parse("A12").is_err());
        // Temporary UPNs end in a letter.
        let temp = "82020011500T";
        let t = upn_check_letter(temp).unwrap_or('?');
        assert!(Upn::parse(&format!("{t}{temp}")).is_ok());
        assert!(Upn::parse(&format!("{t}82020011500I")).is_err());
    }

    #[test]
    fn postcodes() {
        assert_eq!(
            Postcode::parse("sw1a1aa").map(String::from).ok().as_deref(),
            Some("SW1A 1AA")
        );
        assert_eq!(
            Postcode::parse(" M1 1AE ")
                .map(String::from)
                .ok()
                .as_deref(),
            Some("M1 1AE")
        );
        assert!(Postcode::parse("B33 8TH").is_ok());
        assert!(Postcode::parse("CR2 6XH").is_ok());
        assert!(Postcode::parse("DN55 1PT").is_ok());
        assert!(Postcode::parse("12345").is_err());
        assert!(Postcode::parse("SW1A 1A").is_err());
        assert!(Postcode::parse("").is_err());
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2015, 3, 27);
        assert_eq!(parse_date("date of birth", "27/03/2015").ok(), d);
        assert_eq!(parse_date("date of birth", "2015-03-27").ok(), d);
        assert_eq!(parse_date("date of birth", "27 3 2015").ok(), d);
        assert!(parse_date("date of birth", "31/02/2015").is_err());
        assert!(parse_date("date of birth", "27/03/15").is_err());
        assert!(parse_date("date of birth", "yesterday").is_err());
    }

    #[test]
    fn local_ids_round_trip() {
        assert_eq!(
            parse_local_person_id(&local_person_id(PersonId(42))),
            Some(PersonId(42))
        );
        assert_eq!(parse_local_person_id("p0000042"), Some(PersonId(42)));
        assert_eq!(parse_local_person_id("Pabc"), None);
    }

    proptest! {
        #[test]
        fn nhs_numbers_with_a_valid_check_digit_parse(first in proptest::collection::vec(0u32..10, 9)) {
            let s: String = first.iter().map(|d| char::from_digit(*d, 10).unwrap_or('0')).collect();
            match nhs_check_digit(&first) {
                Some(c) => {
                    let candidate = format!("{}{}", s, c);
                    prop_assert!(NhsNumber::parse(&candidate).is_ok());
                    for other in (0..10).filter(|o| *o != c) {
                        let candidate = format!("{}{}", s, other);
                        prop_assert!(NhsNumber::parse(&candidate).is_err());
                    }
                }
                None => {
                    for any in 0..10 {
                        let candidate = format!("{}{}", s, any);
                        prop_assert!(NhsNumber::parse(&candidate).is_err());
                    }
                }
            }
        }

        #[test]
        fn any_single_digit_change_to_a_upn_is_caught(serial in proptest::collection::vec(0u8..10, 12), pos in 0usize..12, delta in 1u8..10) {
            let rest: String = serial.iter().map(|d| (b'0' + d) as char).collect();
            let c = upn_check_letter(&rest).unwrap_or('?');
            let good = format!("{}{}", c, rest);
            prop_assert!(Upn::parse(&good).is_ok());
            let mut changed = serial.clone();
            changed[pos] = (changed[pos] + delta) % 10;
            let rest2: String = changed.iter().map(|d| (b'0' + d) as char).collect();
            let bad = format!("{}{}", c, rest2);
            prop_assert!(Upn::parse(&bad).is_err());
        }

        #[test]
        fn parse_date_never_panics(s in ".{0,20}") {
            let _ = parse_date("date", &s);
        }

        #[test]
        fn postcode_parse_is_idempotent(s in "[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}") {
            if let Ok(p) = Postcode::parse(&s) {
                prop_assert_eq!(Postcode::parse(p.as_str()).ok(), Some(p));
            }
        }
    }
}
