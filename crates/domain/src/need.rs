//! Levels of need: the council's threshold levels ("1" universal to "4" statutory), written as a
//! digit and an optional letter so that councils with split levels ("2a", "3b") fit too.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::DomainError;

/// A level of need on the council's threshold scale: a digit 1 to 9, optionally followed by a
/// lower-case letter ("2", "3b"). Levels order as the scale does: "2" < "2a" < "2b" < "3".
/// Serialised as the plain string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LevelOfNeed(String);

impl LevelOfNeed {
    /// Parses a level, ignoring surrounding spaces and reading an upper-case letter as lower.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_ascii_lowercase();
        let b = s.as_bytes();
        let ok = match b {
            [d] => (b'1'..=b'9').contains(d),
            [d, l] => (b'1'..=b'9').contains(d) && l.is_ascii_lowercase(),
            _ => false,
        };
        if ok {
            Ok(Self(s))
        } else {
            Err(DomainError::InvalidIdentifier {
                field: "level of need",
                value: input.to_string(),
                message: "must be a level from 1 to 9, optionally with a letter (2, 3b)"
                    .to_string(),
            })
        }
    }

    /// The level as written: "3", "2a".
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LevelOfNeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for LevelOfNeed {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for LevelOfNeed {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        // A stored level must already be in its written form: no silent normalising on read.
        let level = Self::parse(&s)?;
        if level.0 == s {
            Ok(level)
        } else {
            Err(DomainError::InvalidIdentifier {
                field: "level of need",
                value: s,
                message: "is not a level as Stepwise writes one".to_string(),
            })
        }
    }
}

impl From<LevelOfNeed> for String {
    fn from(l: LevelOfNeed) -> Self {
        l.0
    }
}

impl PartialEq<&str> for LevelOfNeed {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_order_on_the_scale() {
        let l = |s: &str| LevelOfNeed::parse(s).unwrap();
        assert_eq!(l(" 3 ").as_str(), "3");
        assert_eq!(l("2B").as_str(), "2b");
        assert!(l("2") < l("2a") && l("2a") < l("2b") && l("2b") < l("3") && l("3") < l("4"));
        for bad in ["", "0", "10", "a", "2ab", "L3", "3-", "٣"] {
            let e = LevelOfNeed::parse(bad).unwrap_err().to_string();
            assert!(
                e.starts_with("level of need: must be a level"),
                "{bad:?}: {e}"
            );
        }
    }

    #[test]
    fn levels_serialise_as_the_plain_string() {
        let l = LevelOfNeed::parse("3b").unwrap();
        assert_eq!(serde_json::to_string(&l).unwrap(), "\"3b\"");
        let back: LevelOfNeed = serde_json::from_str("\"3b\"").unwrap();
        assert_eq!(back, l);
        let e = serde_json::from_str::<LevelOfNeed>("\"5z9\"").unwrap_err();
        assert!(e.to_string().contains("level of need"), "{e}");
        // Stored levels are read exactly: an upper-case letter was never written by Stepwise.
        assert!(serde_json::from_str::<LevelOfNeed>("\"3B\"").is_err());
    }
}
