//! DfE code lists as data, versioned by collection year. The lists live in
//! `data/code-lists.tsv`; a collection year is named by the year it starts (2024 is 2024-25).

use std::sync::OnceLock;

use crate::DomainError;

/// One code in one list, with the collection years it is valid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub list: String,
    pub code: String,
    pub description: String,
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
}

impl Code {
    /// Whether the code is valid in the given collection year.
    pub fn valid_in(&self, year: i32) -> bool {
        self.first_year.is_none_or(|f| year >= f) && self.last_year.is_none_or(|l| year <= l)
    }
}

const CODE_LISTS_TSV: &str = include_str!("../data/code-lists.tsv");

/// Parses a code-list table in the `code-lists.tsv` format.
pub fn parse_code_lists(text: &str) -> Result<Vec<Code>, DomainError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let err = |message: String| DomainError::ReferenceData {
            file: "code-lists.tsv",
            line: i + 1,
            message,
        };
        if cols.len() != 5 {
            return Err(err(format!("expected 5 columns, found {}", cols.len())));
        }
        let year = |s: &str| -> Result<Option<i32>, DomainError> {
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse()
                    .map(Some)
                    .map_err(|_| err(format!("bad year {s:?}")))
            }
        };
        out.push(Code {
            list: cols[0].to_string(),
            code: cols[1].to_string(),
            description: cols[2].to_string(),
            first_year: year(cols[3])?,
            last_year: year(cols[4])?,
        });
    }
    Ok(out)
}

/// The code lists shipped with Stepwise.
pub fn all() -> &'static [Code] {
    static LISTS: OnceLock<Vec<Code>> = OnceLock::new();
    LISTS.get_or_init(|| parse_code_lists(CODE_LISTS_TSV).unwrap_or_default())
}

/// The codes of one list valid in a collection year.
pub fn list(name: &str, year: i32) -> impl Iterator<Item = &'static Code> + '_ {
    all()
        .iter()
        .filter(move |c| c.list == name && c.valid_in(year))
}

/// Checks that `code` is in list `name` for collection year `year`.
pub fn check(name: &str, code: &str, year: i32) -> Result<(), DomainError> {
    if list(name, year).any(|c| c.code == code) {
        Ok(())
    } else {
        Err(DomainError::UnknownCode {
            list: name.to_string(),
            code: code.to_string(),
            year,
        })
    }
}

/// The description of a code in any year it was valid, for display.
pub fn describe(name: &str, code: &str) -> Option<&'static str> {
    all()
        .iter()
        .find(|c| c.list == name && c.code == code)
        .map(|c| c.description.as_str())
}

/// The collection year (April to March) that a date falls in.
pub fn collection_year(date: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lists_parse() {
        assert!(parse_code_lists(CODE_LISTS_TSV).is_ok());
        assert!(all().len() > 250);
    }

    #[test]
    fn placement_codes_follow_the_collection_year() {
        assert!(check("placement", "H5", 2023).is_ok());
        assert!(check("placement", "H5", 2025).is_err());
        assert!(check("placement", "K3", 2023).is_err());
        assert!(check("placement", "K3", 2024).is_ok());
        assert!(check("placement", "Z11", 2025).is_ok());
        assert!(check("placement", "Z11", 2024).is_err());
        assert!(check("placement", "U6", 2025).is_ok());
    }

    #[test]
    fn unknown_codes_are_named() {
        let e = check("legal_status", "Q9", 2024)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("legal_status: \"Q9\" is not a valid code for collection year 2024")
        );
        assert_eq!(describe("primary_need", "N1"), Some("Abuse or neglect"));
    }

    #[test]
    fn bad_tables_say_where() {
        let e = parse_code_lists("a\tb\tc\n").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("reference data code-lists.tsv, line 1: expected 5 columns, found 3")
        );
    }

    #[test]
    fn collection_years_start_in_april() {
        let d = |y, m, dd| chrono::NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
        assert_eq!(collection_year(d(2025, 3, 31)), 2024);
        assert_eq!(collection_year(d(2025, 4, 1)), 2025);
    }
}
