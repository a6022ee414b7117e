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
        if cols[0].is_empty() || cols[1].is_empty() {
            return Err(err(
                "the list name and the code must not be empty".to_string()
            ));
        }
        out.push(Code {
            list: cols[0].to_string(),
            code: cols[1].to_string(),
            description: cols[2].to_string(),
            first_year: year(cols[3])?,
            last_year: year(cols[4])?,
        });
    }
    if out.is_empty() {
        return Err(DomainError::ReferenceData {
            file: "code-lists.tsv",
            line: text.lines().count(),
            message: "the table holds no codes".to_string(),
        });
    }
    Ok(out)
}

/// The code lists shipped with Stepwise, or the error naming the line of the embedded table
/// that could not be read. Start-up calls this so that a broken build refuses to start instead
/// of running with no codes (every code rejected, every list empty).
pub fn all() -> Result<&'static [Code], DomainError> {
    static LISTS: OnceLock<Result<Vec<Code>, DomainError>> = OnceLock::new();
    match LISTS.get_or_init(|| parse_code_lists(CODE_LISTS_TSV)) {
        Ok(codes) => Ok(codes),
        Err(e) => Err(e.clone()),
    }
}

/// The codes of one list valid in a collection year.
pub fn list(
    name: &str,
    year: i32,
) -> Result<impl Iterator<Item = &'static Code> + '_, DomainError> {
    Ok(all()?
        .iter()
        .filter(move |c| c.list == name && c.valid_in(year)))
}

/// Checks that `code` is in list `name` for collection year `year`.
pub fn check(name: &str, code: &str, year: i32) -> Result<(), DomainError> {
    if list(name, year)?.any(|c| c.code == code) {
        Ok(())
    } else {
        Err(DomainError::UnknownCode {
            list: name.to_string(),
            code: code.to_string(),
            year,
        })
    }
}

/// The description of a code in any year it was valid, for display (none for an unknown code;
/// the lists themselves are checked at start-up by [`all`]).
pub fn describe(name: &str, code: &str) -> Option<&'static str> {
    all()
        .ok()?
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

    /// Guards issue 7 item 6 (embedded code lists): the table compiled into the binary parses,
    /// and every list the domain checks against is present in it.
    #[test]
    fn the_shipped_lists_parse() {
        assert!(parse_code_lists(CODE_LISTS_TSV).is_ok());
        let all = all().unwrap();
        assert!(all.len() > 250);
        for name in [
            "referral_source",
            "primary_need",
            "category_of_abuse",
            "legal_status",
            "placement",
            "ethnicity",
        ] {
            assert!(
                all.iter().any(|c| c.list == name),
                "no codes for list {name}"
            );
        }
    }

    /// Guards issue 7 item 6: a corrupt or empty table is an error naming the file, never an
    /// empty list (which used to make every code "invalid" and every list silently empty).
    #[test]
    fn corrupt_or_empty_tables_are_errors_not_empty_lists() {
        for bad in [
            "",
            "# only a comment\n",
            "\n\n",
            "list\tcode\tdesc\tnot-a-year\t\n",
        ] {
            let e = parse_code_lists(bad).unwrap_err().to_string();
            assert!(
                e.starts_with("reference data code-lists.tsv"),
                "{bad:?}: {e}"
            );
        }
        let e = parse_code_lists("\tN1\tAbuse\t\t\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("must not be empty"), "{e}");
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
