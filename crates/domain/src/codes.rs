//! DfE code lists as data, versioned by collection year. The lists live in
//! `data/code-lists.tsv`; a collection year is named by the year it starts (2024 is 2024-25).

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// One row of the code-list table: one code in one list, with the collection years it is
/// valid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeEntry {
    pub list: String,
    pub code: String,
    pub description: String,
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
}

impl CodeEntry {
    /// Whether the code is valid in the given collection year.
    pub fn valid_in(&self, year: i32) -> bool {
        self.first_year.is_none_or(|f| year >= f) && self.last_year.is_none_or(|l| year <= l)
    }
}

const CODE_LISTS_TSV: &str = include_str!("../data/code-lists.tsv");

/// Parses a code-list table in the `code-lists.tsv` format.
pub fn parse_code_lists(text: &str) -> Result<Vec<CodeEntry>, DomainError> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
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
        if !seen.insert((cols[0], cols[1])) {
            return Err(err(format!(
                "{}: code {:?} is listed twice",
                cols[0], cols[1]
            )));
        }
        out.push(CodeEntry {
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

/// One list of the table: its codes in table order, and each code's row by its text.
#[derive(Debug, Default)]
struct ListIndex {
    order: Vec<usize>,
    by_code: HashMap<String, usize>,
}

/// The table with its index: rows, and per list a hash from code to row.
#[derive(Debug)]
struct CodeTable {
    entries: Vec<CodeEntry>,
    lists: HashMap<String, ListIndex>,
}

impl CodeTable {
    /// Indexes the rows (which [`parse_code_lists`] has checked hold no code twice in a list).
    fn index(entries: Vec<CodeEntry>) -> Self {
        let mut lists: HashMap<String, ListIndex> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let l = lists.entry(e.list.clone()).or_default();
            l.by_code.insert(e.code.clone(), i);
            l.order.push(i);
        }
        Self { entries, lists }
    }

    fn lookup(&self, list: &str, code: &str) -> Option<&CodeEntry> {
        let i = *self.lists.get(list)?.by_code.get(code)?;
        self.entries.get(i)
    }
}

fn table() -> Result<&'static CodeTable, DomainError> {
    static TABLE: OnceLock<Result<CodeTable, DomainError>> = OnceLock::new();
    match TABLE.get_or_init(|| parse_code_lists(CODE_LISTS_TSV).map(CodeTable::index)) {
        Ok(t) => Ok(t),
        Err(e) => Err(e.clone()),
    }
}

/// The code lists shipped with Stepwise, or the error naming the line of the embedded table
/// that could not be read. Start-up calls this so that a broken build refuses to start instead
/// of running with no codes (every code rejected, every list empty).
pub fn all() -> Result<&'static [CodeEntry], DomainError> {
    Ok(&table()?.entries)
}

/// The row for `code` in list `name`, in whichever years it is valid (hashed lookup).
pub fn lookup(name: &str, code: &str) -> Result<Option<&'static CodeEntry>, DomainError> {
    Ok(table()?.lookup(name, code))
}

/// The codes of one list valid in a collection year, in table order.
pub fn list(
    name: &str,
    year: i32,
) -> Result<impl Iterator<Item = &'static CodeEntry> + use<>, DomainError> {
    let t = table()?;
    let order: &'static [usize] = t.lists.get(name).map_or(&[], |l| l.order.as_slice());
    Ok(order
        .iter()
        .filter_map(|&i| t.entries.get(i))
        .filter(move |c| c.valid_in(year)))
}

/// Checks that `code` is in list `name` for collection year `year`.
pub fn check(name: &str, code: &str, year: i32) -> Result<(), DomainError> {
    match lookup(name, code)? {
        Some(c) if c.valid_in(year) => Ok(()),
        _ => Err(DomainError::UnknownCode {
            list: name.to_string(),
            code: code.to_string(),
            year,
        }),
    }
}

/// The description of a code in any year it was valid, for display (none for an unknown code;
/// the lists themselves are checked at start-up by [`all`]).
pub fn describe(name: &str, code: &str) -> Option<&'static str> {
    lookup(name, code)
        .ok()
        .flatten()
        .map(|c| c.description.as_str())
}

/// A DfE code list, named as in the table. Implemented by the markers in [`lists`].
pub trait CodeList: 'static {
    /// The list's name in `code-lists.tsv`.
    const NAME: &'static str;
    /// The list in plain words, for messages.
    const LABEL: &'static str;
}

/// A code from list `L`, built only by parsing against the table: holding one is proof that the
/// code is in the list. It serialises as the plain code string (`"N1"`), so stored JSON reads
/// the same as when codes were strings; reading an unknown code is an error that names it.
pub struct Code<L: CodeList> {
    entry: &'static CodeEntry,
    list: PhantomData<fn() -> L>,
}

impl<L: CodeList> Code<L> {
    /// Parses a code that must be valid in collection year `year` (surrounding spaces ignored).
    pub fn parse(s: &str, year: i32) -> Result<Self, DomainError> {
        let code = s.trim();
        match lookup(L::NAME, code)? {
            Some(entry) if entry.valid_in(year) => Ok(Self::from_entry(entry)),
            _ => Err(DomainError::UnknownCode {
                list: L::NAME.to_string(),
                code: code.to_string(),
                year,
            }),
        }
    }

    /// Reads a code recorded earlier: it must be in the list in some collection year, but need
    /// not be valid today (a retired placement type still reads back from the log).
    pub fn from_recorded(s: &str) -> Result<Self, DomainError> {
        match lookup(L::NAME, s)? {
            Some(entry) => Ok(Self::from_entry(entry)),
            None => Err(DomainError::NotInCodeList {
                list: L::NAME,
                code: s.to_string(),
            }),
        }
    }

    fn from_entry(entry: &'static CodeEntry) -> Self {
        Self {
            entry,
            list: PhantomData,
        }
    }

    /// The code as the DfE writes it.
    pub fn as_str(&self) -> &'static str {
        &self.entry.code
    }

    /// What the code means.
    pub fn description(&self) -> &'static str {
        &self.entry.description
    }

    /// The description with the code after it: "Abuse or neglect (N1)".
    pub fn described(&self) -> String {
        format!("{} ({})", self.description(), self.as_str())
    }

    /// Whether the code is valid in collection year `year`.
    pub fn valid_in(&self, year: i32) -> bool {
        self.entry.valid_in(year)
    }

    /// Checks the code against the collection year of an event, naming list, code and year.
    pub fn check_in(&self, year: i32) -> Result<(), DomainError> {
        if self.valid_in(year) {
            Ok(())
        } else {
            Err(DomainError::UnknownCode {
                list: L::NAME.to_string(),
                code: self.as_str().to_string(),
                year,
            })
        }
    }

    /// Every code of the list valid in `year`, in table order.
    pub fn all_in(year: i32) -> Result<Vec<Self>, DomainError> {
        Ok(list(L::NAME, year)?.map(Self::from_entry).collect())
    }
}

impl<L: CodeList> Clone for Code<L> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<L: CodeList> Copy for Code<L> {}
impl<L: CodeList> PartialEq for Code<L> {
    fn eq(&self, other: &Self) -> bool {
        self.entry.code == other.entry.code
    }
}
impl<L: CodeList> Eq for Code<L> {}
impl<L: CodeList> PartialEq<str> for Code<L> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
impl<L: CodeList> PartialEq<&str> for Code<L> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
impl<L: CodeList> std::hash::Hash for Code<L> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.entry.code.hash(state);
    }
}
impl<L: CodeList> PartialOrd for Code<L> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<L: CodeList> Ord for Code<L> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.entry.code.cmp(&other.entry.code)
    }
}
impl<L: CodeList> fmt::Debug for Code<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", L::NAME, self.as_str())
    }
}
impl<L: CodeList> fmt::Display for Code<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl<L: CodeList> AsRef<str> for Code<L> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Reads a code in the list in any collection year, as [`Code::from_recorded`] does.
impl<L: CodeList> std::str::FromStr for Code<L> {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_recorded(s)
    }
}

impl<L: CodeList> TryFrom<&str> for Code<L> {
    type Error = DomainError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::from_recorded(s)
    }
}

impl<L: CodeList> Serialize for Code<L> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de, L: CodeList> Deserialize<'de> for Code<L> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<L>(PhantomData<fn() -> L>);
        impl<L: CodeList> serde::de::Visitor<'_> for Visit<L> {
            type Value = Code<L>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a {} code", L::LABEL)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Code::from_recorded(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visit(PhantomData))
    }
}

macro_rules! code_lists {
    ($($(#[$m:meta])* $name:ident = $list:literal, $label:literal;)*) => {
        /// Markers naming each DfE code list, for [`Code`].
        pub mod lists {
            $(
                #[doc = concat!("The `", $list, "` list: ", $label, ".")]
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
                pub enum $name {}
                impl super::CodeList for $name {
                    const NAME: &'static str = $list;
                    const LABEL: &'static str = $label;
                }
            )*
        }
        $($(#[$m])* pub type $name = Code<lists::$name>;)*
        /// The names of every list a [`Code`] type reads.
        pub const TYPED_LISTS: &[&str] = &[$($list),*];
    };
}

code_lists! {
    /// Referral source (CIN census), e.g. 2A schools, 6 police.
    ReferralSource = "referral_source", "referral source";
    /// Primary need or category of need, N0 to N9.
    PrimaryNeed = "primary_need", "primary need";
    /// A factor identified at assessment, e.g. 3A.
    AssessmentFactor = "assessment_factor", "assessment factor";
    /// Category of abuse on a child protection plan: NEG, PHY, SAB, EMO, MUL.
    CategoryOfAbuse = "category_of_abuse", "category of abuse";
    /// Reason a CIN episode closed, RC1 to RC8.
    ReasonForClosure = "reason_for_closure", "reason for closure";
    /// SSDA903 legal status (LS), e.g. C2, V2.
    LegalStatus = "legal_status", "legal status";
    /// SSDA903 placement type (PLACE), e.g. U6, K2.
    PlacementType = "placement", "placement type";
    /// SSDA903 placement provider (PLACE_PROVIDER), PR0 to PR5.
    PlacementProvider = "placement_provider", "placement provider";
    /// SSDA903 reason for new episode (RNE).
    ReasonNewEpisode = "reason_new_episode", "reason for new episode";
    /// SSDA903 reason for placement change (REASON_PLACE_CHANGE).
    ReasonPlaceChange = "reason_place_change", "reason for placement change";
    /// SSDA903 reason episode ceased (REC).
    ReasonEpisodeCeased = "reason_episode_ceased", "reason episode ceased";
    /// SSDA903 participation in a looked-after review, PN0 to PN7.
    ReviewParticipation = "review_participation", "review participation";
    /// Missing (M) or away without authorisation (A).
    MissingType = "missing", "missing type";
    /// Care leaver in touch (IN_TOUCH).
    InTouch = "in_touch", "care leaver in touch";
    /// Care leaver main activity (ACTIV).
    CareLeaverActivity = "activity", "care leaver activity";
    /// Care leaver accommodation (ACCOM).
    CareLeaverAccommodation = "accommodation", "care leaver accommodation";
    /// Reason for a change of social worker (SW_REASON).
    SwChangeReason = "sw_reason", "reason for social worker change";
    /// Sex: M, F or U.
    Sex = "sex", "sex";
    /// Ethnicity (DfE codes).
    Ethnicity = "ethnicity", "ethnicity";
    /// Disability (CIN census).
    Disability = "disability", "disability";
    /// Reason a UPN is unknown, UN1 to UN7.
    UpnUnknown = "upn_unknown", "reason UPN unknown";
    /// SSDA903 previous permanence option (PREV_PERM): P1 to P4, Z1.
    PreviousPermanenceOption = "previous_permanence", "previous permanence option";
    /// SSDA903 sex of adopters (SEX_ADOPTR): M1, F1, MM, FF, MF.
    AdopterSex = "adopter_sex", "sex of adopters";
    /// SSDA903 legal status of adopters (LS_ADOPTR): L0, L11, L12, L2, L3, L4.
    AdopterLegalStatus = "adopter_legal_status", "legal status of adopters";
    /// SSDA903 reason the decision to place for adoption was reversed (REASON_PLACED_CEASED).
    ReasonPlacedCeased = "reason_placed_ceased", "reason placed for adoption ceased";
    /// SSDA903 reason there is no Strengths and Difficulties Questionnaire score (SDQ_REASON).
    SdqReason = "sdq_reason", "reason for no SDQ score";
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

    /// Checks one code type against one of its codes: parses in 2025, describes itself as the
    /// table does, serialises as the plain string and reads back, and refuses an unknown code
    /// (by `parse`, naming list, code and year; and by serde, naming list and code).
    fn check_type<L: CodeList>(code: &str) {
        let c = Code::<L>::parse(code, 2025).unwrap();
        assert_eq!(c.as_str(), code);
        assert_eq!(c.to_string(), code);
        assert_eq!(Some(c.description()), describe(L::NAME, code));
        assert!(!c.description().is_empty(), "{} {code}", L::NAME);
        assert_eq!(c.described(), format!("{} ({code})", c.description()));
        assert!(c.valid_in(2025));
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, format!("\"{code}\""));
        assert_eq!(serde_json::from_str::<Code<L>>(&json).unwrap(), c);
        assert_eq!(Code::<L>::parse(&format!(" {code} "), 2025).unwrap(), c);
        let e = Code::<L>::parse("ZZ99", 2025).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "{}: \"ZZ99\" is not a valid code for collection year 2025",
                L::NAME
            )
        );
        let e = serde_json::from_str::<Code<L>>("\"ZZ99\"")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("{}: \"ZZ99\" is not in the code list", L::NAME)),
            "{e}"
        );
        // Not a string at all.
        assert!(serde_json::from_str::<Code<L>>("7").is_err());
    }

    macro_rules! per_type {
        ($($test:ident: $ty:ident = $code:literal;)*) => {$(
            #[test]
            fn $test() {
                check_type::<lists::$ty>($code);
            }
        )*};
    }

    per_type! {
        referral_source_codes: ReferralSource = "2A";
        primary_need_codes: PrimaryNeed = "N1";
        assessment_factor_codes: AssessmentFactor = "3A";
        category_of_abuse_codes: CategoryOfAbuse = "NEG";
        reason_for_closure_codes: ReasonForClosure = "RC8";
        legal_status_codes: LegalStatus = "C2";
        placement_type_codes: PlacementType = "U6";
        placement_provider_codes: PlacementProvider = "PR1";
        reason_new_episode_codes: ReasonNewEpisode = "P";
        reason_place_change_codes: ReasonPlaceChange = "CARPL";
        reason_episode_ceased_codes: ReasonEpisodeCeased = "E11";
        review_participation_codes: ReviewParticipation = "PN1";
        missing_type_codes: MissingType = "M";
        in_touch_codes: InTouch = "YES";
        care_leaver_activity_codes: CareLeaverActivity = "F1";
        care_leaver_accommodation_codes: CareLeaverAccommodation = "S2";
        sw_change_reason_codes: SwChangeReason = "CHCHAN";
        sex_codes: Sex = "F";
        ethnicity_codes: Ethnicity = "WBRI";
        disability_codes: Disability = "HAND";
        upn_unknown_codes: UpnUnknown = "UN1";
        previous_permanence_codes: PreviousPermanenceOption = "Z1";
        adopter_sex_codes: AdopterSex = "MF";
        adopter_legal_status_codes: AdopterLegalStatus = "L11";
        reason_placed_ceased_codes: ReasonPlacedCeased = "RD3";
        sdq_reason_codes: SdqReason = "SDQ2";
    }

    /// Every typed list is in the table, and every list in the table has a type.
    #[test]
    fn every_list_has_a_type_and_every_type_a_list() {
        let mut in_table: Vec<&str> = all().unwrap().iter().map(|c| c.list.as_str()).collect();
        in_table.sort_unstable();
        in_table.dedup();
        let mut typed = TYPED_LISTS.to_vec();
        typed.sort_unstable();
        assert_eq!(in_table, typed);
    }

    /// A code from one list is not a code of another, even where the text is short.
    #[test]
    fn codes_belong_to_their_own_list() {
        assert!(PrimaryNeed::parse("N1", 2025).is_ok());
        assert!(ReferralSource::parse("N1", 2025).is_err());
        assert!(serde_json::from_str::<LegalStatus>("\"U6\"").is_err());
    }

    /// Codes are checked against the collection year: a retired placement type cannot be
    /// recorded after its last year, a new one not before its first, but both still read back
    /// from the log (serde takes any year).
    #[test]
    fn typed_codes_follow_the_collection_year() {
        let h5 = PlacementType::parse("H5", 2023).unwrap();
        assert!(h5.valid_in(2024) && !h5.valid_in(2025));
        assert_eq!(
            PlacementType::parse("H5", 2025).unwrap_err().to_string(),
            "placement: \"H5\" is not a valid code for collection year 2025"
        );
        assert!(h5.check_in(2025).is_err() && h5.check_in(2023).is_ok());
        assert!(PlacementType::parse("K3", 2023).is_err());
        assert!(PlacementType::parse("Z11", 2025).is_ok());
        assert!(PlacementType::parse("Z11", 2024).is_err());
        let back: PlacementType = serde_json::from_str("\"H5\"").unwrap();
        assert_eq!(back, h5);
        // Sex codes are listed from 2024-25; before that the code is not valid.
        assert!(Sex::parse("M", 2023).is_err());
        assert!(Sex::parse("M", 2024).is_ok());
        let in_2025: Vec<&str> = PlacementType::all_in(2025)
            .unwrap()
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert!(in_2025.contains(&"K3") && !in_2025.contains(&"H5"));
    }

    /// `list`, `check` and `describe` answer from the index as they did from the table scan.
    #[test]
    fn indexed_lookups_agree_with_a_scan_of_the_table() {
        let all = all().unwrap();
        for c in all {
            assert_eq!(describe(&c.list, &c.code), Some(c.description.as_str()));
            for year in [2021, 2023, 2024, 2025, 2026] {
                assert_eq!(check(&c.list, &c.code, year).is_ok(), c.valid_in(year));
            }
        }
        for year in [2023, 2025] {
            let scanned: Vec<&CodeEntry> = all
                .iter()
                .filter(|c| c.list == "placement" && c.valid_in(year))
                .collect();
            let listed: Vec<&CodeEntry> = list("placement", year).unwrap().collect();
            assert_eq!(scanned, listed);
        }
        assert_eq!(describe("placement", "NOPE"), None);
        assert_eq!(describe("no_such_list", "N1"), None);
        assert_eq!(list("no_such_list", 2025).unwrap().count(), 0);
    }

    /// A table that lists a code twice in one list is refused: a lookup would be ambiguous.
    #[test]
    fn a_code_listed_twice_is_refused() {
        let e = parse_code_lists("sex\tM\tMale\t\t\nsex\tM\tMan\t\t\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "reference data code-lists.tsv, line 2: sex: code \"M\" is listed twice"
        );
    }

    #[test]
    fn collection_years_start_in_april() {
        let d = |y, m, dd| chrono::NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
        assert_eq!(collection_year(d(2025, 3, 31)), 2024);
        assert_eq!(collection_year(d(2025, 4, 1)), 2025);
    }
}
