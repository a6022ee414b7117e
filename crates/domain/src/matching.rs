//! Person matching at the front door: before a new person is created, the people already on the
//! record who might be the same person are ranked, each with the reasons it matched, so that a
//! worker chooses between them and no duplicate is ever created silently.
//!
//! The store picks the candidates (by phonetic key, date of birth and identifiers) and fills a
//! [`Candidate`] for each; [`rank`] scores them against the [`Incoming`] details. Nothing here
//! reads a database or the clock.
//!
//! # How a candidate is scored
//!
//! A shared identifier (NHS number, UPN or local person ID) settles the question: the candidate
//! is [`Strength::Certain`] with score 100, unless the dates of birth clearly disagree or the NHS
//! numbers differ, when it is only [`Strength::Likely`] at 80 and says why.
//!
//! Otherwise the evidence is added up, each piece worth the points below, and the total is held
//! between 0 and 95 so that only an identifier reaches 100.
//!
//! | Evidence | Points |
//! |---|---|
//! | Given name: same / shares a part / common short form / sounds the same / spelt nearly the same / initial only / different | 25 / 20 / 20 / 18 / 18 / 8 / −15 |
//! | Family name: same / shares a part (double-barrelled) / sounds the same / spelt nearly the same / initial only / different | 30 / 24 / 22 / 20 / 6 / −10 |
//! | Names in the other order (given and family swapped) | −5 off the name points |
//! | A former name instead of the current one | no deduction |
//! | Date of birth: same / day and month swapped / one digit of the day different / year one out / different / not known | 35 / 25 / 22 / 22 / −25 / 0 |
//! | Postcode: same / same district (outward code) / different or not known | 10 / 5 / 0 |
//! | Sex recorded differently (both M or F) | −10 |
//! | Different NHS number on both sides | −30, then the score held at 40 at most |
//!
//! A score of 70 or more is [`Strength::Likely`], 40 to 69 [`Strength::Possible`]; below 40 the
//! candidate is not shown. Names alone, with the best postcode evidence but no date of birth,
//! reach at most 65: a name is never enough for a likely match. A name not known on either side
//! counts nothing either way.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use crate::DomainError;
use crate::codes::Sex;
use crate::ids::{NhsNumber, PersonId, Postcode, Upn, local_person_id, parse_local_person_id};
use crate::people::{NameKind, Person};
use crate::search::{phonetic_key, tokens};

const NICKNAMES_TSV: &str = include_str!("../data/nicknames.tsv");
const NICKNAMES_FILE: &str = "nicknames.tsv";

/// The lowest score shown: candidates below it are dropped.
pub const POSSIBLE_FROM: u32 = 40;
/// The lowest score that is a likely match.
pub const LIKELY_FROM: u32 = 70;

/// The score of a shared identifier with nothing against it.
const CERTAIN_SCORE: u32 = 100;
/// The score of a shared identifier when the date of birth or the NHS number disagrees.
const IDENTIFIER_WITH_CONFLICT: u32 = 80;
/// The most that name, date of birth and postcode evidence can add up to without an identifier.
const FUZZY_CEILING: i32 = 95;
/// What a different NHS number on both sides takes off: strong evidence of two people.
const NHS_CONFLICT_PENALTY: u32 = 30;
/// The most a candidate with a different NHS number can score: only one that would otherwise
/// be likely is still shown, as possible, in case one of the numbers was recorded wrongly.
const NHS_CONFLICT_CAP: u32 = 40;

const GIVEN_SAME: i32 = 25;
const GIVEN_SHARES_PART: i32 = 20;
const GIVEN_SHORT_FORM: i32 = 20;
const GIVEN_SOUNDS_SAME: i32 = 18;
const GIVEN_SPELT_CLOSE: i32 = 18;
const GIVEN_INITIAL: i32 = 8;
const GIVEN_DIFFERENT: i32 = -15;

const FAMILY_SAME: i32 = 30;
const FAMILY_SHARES_PART: i32 = 24;
const FAMILY_SOUNDS_SAME: i32 = 22;
const FAMILY_SPELT_CLOSE: i32 = 20;
const FAMILY_INITIAL: i32 = 6;
const FAMILY_DIFFERENT: i32 = -10;

const NAMES_SWAPPED: i32 = -5;

const BIRTH_SAME: i32 = 35;
const BIRTH_DAY_MONTH_SWAPPED: i32 = 25;
const BIRTH_DAY_ONE_DIGIT: i32 = 22;
const BIRTH_YEAR_ONE_OUT: i32 = 22;
const BIRTH_DIFFERENT: i32 = -25;

const POSTCODE_SAME: i32 = 10;
const POSTCODE_DISTRICT: i32 = 5;

const SEX_DIFFERENT: i32 = -10;

// Names alone, however well they match and wherever the person lives, stay below Likely.
const _: () = assert!(GIVEN_SAME + FAMILY_SAME + POSTCODE_SAME < LIKELY_FROM as i32);
// Only an identifier reaches 100 and so Certain.
const _: () = assert!(FUZZY_CEILING < CERTAIN_SCORE as i32);
// A different NHS number leaves a candidate shown only if the rest of it was likely.
const _: () = assert!(LIKELY_FROM - NHS_CONFLICT_PENALTY == NHS_CONFLICT_CAP);

/// The details of the person about to be created, as the worker entered them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incoming {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    /// M or F counts; U (unknown) is treated as not known.
    pub sex: Option<Sex>,
    pub nhs_number: Option<NhsNumber>,
    pub upn: Option<Upn>,
    /// A local person ID (`P0001234`); compared ignoring case and spaces.
    pub local_id: Option<String>,
    pub postcode: Option<Postcode>,
}

/// A person already on the record, as the store hands them to [`rank`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidate {
    pub person_id: PersonId,
    pub given_name: String,
    pub family_name: String,
    /// Former names and aliases as (given, family); an empty given name means the current one.
    pub former_names: Vec<(String, String)>,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: Option<Sex>,
    pub nhs_number: Option<NhsNumber>,
    pub upn: Option<Upn>,
    pub local_id: Option<String>,
    pub postcode: Option<Postcode>,
}

impl Candidate {
    /// A candidate from a person on the record and their current postcode, with every name other
    /// than the current one as a former name and the local person ID Stepwise shows for them.
    pub fn from_person(person: &Person, postcode: Option<Postcode>) -> Self {
        let current = person
            .names
            .iter()
            .position(|n| n.kind == NameKind::Current)
            .or_else(|| (!person.names.is_empty()).then_some(0));
        let (given_name, family_name) = current
            .and_then(|i| person.names.get(i))
            .map(|n| (n.given.clone(), n.family.clone()))
            .unwrap_or_default();
        let former_names = person
            .names
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != current)
            .map(|(_, n)| (n.given.clone(), n.family.clone()))
            .collect();
        Self {
            person_id: person.id,
            given_name,
            family_name,
            former_names,
            date_of_birth: person.date_of_birth,
            sex: Some(person.sex),
            nhs_number: person.nhs_number.clone(),
            upn: person.upn.clone(),
            local_id: Some(local_person_id(person.id)),
            postcode,
        }
    }
}

/// How sure a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strength {
    /// A shared identifier with nothing against it: the same person.
    Certain,
    /// Strong evidence (score 70 or more): very probably the same person.
    Likely,
    /// Some evidence (score 40 to 69): a worker should look before creating anyone.
    Possible,
}

impl Strength {
    /// The stable snake_case name for the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Certain => "certain",
            Self::Likely => "likely",
            Self::Possible => "possible",
        }
    }
}

/// How one name on the referral is like one on the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Likeness {
    /// The same letters, ignoring case, accents, spaces and punctuation.
    Same,
    /// One whole part in common: a double-barrelled family name, or a middle name.
    SharesAPart,
    /// One is a common short form of the other, or both of one formal name (given names only).
    ShortForm,
    /// They sound the same (the same phonetic key and a similar spelling).
    SoundsSame,
    /// Spelt within one or two letters of each other (by length), a typing slip.
    SpeltClose,
    /// One side gives only an initial, which agrees.
    InitialOnly,
}

/// The two names behind a name [`Reason`], as they were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameEvidence {
    pub likeness: Likeness,
    /// The name on the referral.
    pub incoming: String,
    /// The name on the record it was compared with.
    pub recorded: String,
}

/// One reason for, or against, a candidate being the same person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    SameNhsNumber,
    SameUpn,
    SameLocalId,
    /// An identifier is shared but the dates of birth clearly differ.
    IdentifierButDifferentBirthDate,
    /// Both have an NHS number and they differ: strong evidence of two people.
    DifferentNhsNumber,
    GivenName(NameEvidence),
    FamilyName(NameEvidence),
    DifferentGivenName,
    DifferentFamilyName,
    /// The referral's given name matched the record's family name and the other way round.
    NamesInOtherOrder,
    FormerGivenName,
    FormerFamilyName,
    SameBirthDate,
    BirthDateDayMonthSwapped,
    /// Same year and month; the days differ in one digit (12 and 13, 12 and 22).
    BirthDayOneDigitDifferent,
    /// Same day and month; the years differ by one.
    BirthYearOneOut,
    DifferentBirthDate,
    SamePostcode,
    SamePostcodeDistrict,
    DifferentSex,
}

impl Reason {
    /// The stable snake_case code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SameNhsNumber => "same_nhs_number",
            Self::SameUpn => "same_upn",
            Self::SameLocalId => "same_local_id",
            Self::IdentifierButDifferentBirthDate => "identifier_but_different_birth_date",
            Self::DifferentNhsNumber => "different_nhs_number",
            Self::GivenName(e) => match e.likeness {
                Likeness::Same => "given_name_same",
                Likeness::SharesAPart => "given_name_shares_part",
                Likeness::ShortForm => "given_name_short_form",
                Likeness::SoundsSame => "given_name_sounds_same",
                Likeness::SpeltClose => "given_name_spelt_close",
                Likeness::InitialOnly => "given_name_initial_only",
            },
            Self::FamilyName(e) => match e.likeness {
                Likeness::Same => "family_name_same",
                Likeness::SharesAPart => "family_name_shares_part",
                Likeness::ShortForm => "family_name_short_form",
                Likeness::SoundsSame => "family_name_sounds_same",
                Likeness::SpeltClose => "family_name_spelt_close",
                Likeness::InitialOnly => "family_name_initial_only",
            },
            Self::DifferentGivenName => "different_given_name",
            Self::DifferentFamilyName => "different_family_name",
            Self::NamesInOtherOrder => "names_in_other_order",
            Self::FormerGivenName => "former_given_name",
            Self::FormerFamilyName => "former_family_name",
            Self::SameBirthDate => "same_birth_date",
            Self::BirthDateDayMonthSwapped => "birth_date_day_month_swapped",
            Self::BirthDayOneDigitDifferent => "birth_day_one_digit_different",
            Self::BirthYearOneOut => "birth_year_one_out",
            Self::DifferentBirthDate => "different_birth_date",
            Self::SamePostcode => "same_postcode",
            Self::SamePostcodeDistrict => "same_postcode_district",
            Self::DifferentSex => "different_sex",
        }
    }

    /// The reason in plain English for the worker, naming the two names where they differ.
    pub fn describe(&self) -> String {
        let name = |which: &str, e: &NameEvidence| {
            let how = match e.likeness {
                Likeness::Same => return format!("Same {} name", which.to_lowercase()),
                Likeness::SharesAPart => "shares a part",
                Likeness::ShortForm => "is a common short form",
                Likeness::SoundsSame => "sounds the same",
                Likeness::SpeltClose => "is spelt nearly the same",
                Likeness::InitialOnly => "agrees by initial only",
            };
            format!("{which} name {how} ({} / {})", e.incoming, e.recorded)
        };
        match self {
            Self::SameNhsNumber => "Same NHS number".to_string(),
            Self::SameUpn => "Same unique pupil number (UPN)".to_string(),
            Self::SameLocalId => "Same local person ID".to_string(),
            Self::IdentifierButDifferentBirthDate => {
                "Same identifier but a different date of birth".to_string()
            }
            Self::DifferentNhsNumber => "Different NHS number".to_string(),
            Self::GivenName(e) => name("Given", e),
            Self::FamilyName(e) => name("Family", e),
            Self::DifferentGivenName => "Different given name".to_string(),
            Self::DifferentFamilyName => "Different family name".to_string(),
            Self::NamesInOtherOrder => "Names in the other order".to_string(),
            Self::FormerGivenName => "Matches a former given name".to_string(),
            Self::FormerFamilyName => "Matches a former family name".to_string(),
            Self::SameBirthDate => "Same date of birth".to_string(),
            Self::BirthDateDayMonthSwapped => {
                "Date of birth with day and month swapped".to_string()
            }
            Self::BirthDayOneDigitDifferent => {
                "Date of birth with one digit of the day different".to_string()
            }
            Self::BirthYearOneOut => "Date of birth with the year one out".to_string(),
            Self::DifferentBirthDate => "Different date of birth".to_string(),
            Self::SamePostcode => "Same postcode".to_string(),
            Self::SamePostcodeDistrict => "Same postcode district".to_string(),
            Self::DifferentSex => "Different sex recorded".to_string(),
        }
    }
}

/// One ranked candidate: who, how strongly, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub person_id: PersonId,
    /// 0 to 100; 100 only for a shared identifier.
    pub score: u32,
    pub strength: Strength,
    /// The evidence for and against, identifiers first, then names, date of birth, postcode, sex.
    pub reasons: Vec<Reason>,
}

/// The table of given names and their short forms, from `data/nicknames.tsv`.
#[derive(Debug, Clone)]
pub struct Nicknames {
    /// Each name (formal or short) to the lines it appears on.
    lines_by_name: HashMap<String, Vec<usize>>,
    formal_names: usize,
}

impl Nicknames {
    /// The table shipped with Stepwise, read once, or the error naming its first bad line.
    /// Start-up should call this so that a broken table stops the server rather than matching.
    pub fn embedded() -> Result<&'static Self, DomainError> {
        static TABLE: OnceLock<Result<Nicknames, DomainError>> = OnceLock::new();
        match TABLE.get_or_init(|| Self::parse(NICKNAMES_TSV)) {
            Ok(t) => Ok(t),
            Err(e) => Err(e.clone()),
        }
    }

    /// Reads a table in the `nicknames.tsv` format: a formal name, a tab, then comma-separated
    /// short forms; `#` lines and blank lines are skipped. Every name must be letters only, no
    /// formal name may appear twice, and no line may list a short form twice or its own name.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let mut lines_by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut formal_seen = HashSet::new();
        let mut formal_names = 0;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let err = |message: String| DomainError::ReferenceData {
                file: NICKNAMES_FILE,
                line: i + 1,
                message,
            };
            let word = |s: &str| -> Result<String, DomainError> {
                let t = s.trim();
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(err(format!("{t:?} is not a single name of letters only")));
                }
                Ok(t.to_ascii_lowercase())
            };
            let cols: Vec<&str> = line.split('\t').collect();
            let [formal, shorts] = cols.as_slice() else {
                return Err(err(format!(
                    "expected 2 tab-separated columns, found {}",
                    cols.len()
                )));
            };
            let formal = word(formal)?;
            if !formal_seen.insert(formal.clone()) {
                return Err(err(format!("{formal:?} is listed twice")));
            }
            let mut on_line = vec![formal.clone()];
            for short in shorts.split(',') {
                let short = word(short)?;
                if on_line.contains(&short) {
                    return Err(err(format!("{short:?} appears twice on the line")));
                }
                on_line.push(short);
            }
            for name in on_line {
                lines_by_name.entry(name).or_default().push(formal_names);
            }
            formal_names += 1;
        }
        if formal_names == 0 {
            return Err(DomainError::ReferenceData {
                file: NICKNAMES_FILE,
                line: text.lines().count(),
                message: "the table holds no names".to_string(),
            });
        }
        Ok(Self {
            lines_by_name,
            formal_names,
        })
    }

    /// How many formal names the table holds.
    pub fn formal_names(&self) -> usize {
        self.formal_names
    }

    /// Whether two different given names are forms of one name (Bill and William, Bill and
    /// Will), in either order and any case.
    pub fn are_forms_of_one_name(&self, a: &str, b: &str) -> bool {
        self.related(
            &a.trim().to_ascii_lowercase(),
            &b.trim().to_ascii_lowercase(),
        )
    }

    /// [`Self::are_forms_of_one_name`] for tokens already lower case.
    fn related(&self, a: &str, b: &str) -> bool {
        if a == b {
            return false;
        }
        match (self.lines_by_name.get(a), self.lines_by_name.get(b)) {
            (Some(la), Some(lb)) => la.iter().any(|l| lb.contains(l)),
            _ => false,
        }
    }
}

/// Ranks the candidates against the incoming details: best first (score, then person ID), with
/// candidates scoring below [`POSSIBLE_FROM`] left out. See the module notes for the scoring.
pub fn rank(nicknames: &Nicknames, incoming: &Incoming, candidates: &[Candidate]) -> Vec<Match> {
    let given = NameParts::new(&incoming.given_name);
    let family = NameParts::new(&incoming.family_name);
    let mut matches: Vec<Match> = candidates
        .iter()
        .filter_map(|c| assess(nicknames, incoming, &given, &family, c))
        .collect();
    matches.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.person_id.cmp(&b.person_id))
    });
    matches
}

/// A name as written and as its lower-case tokens.
struct NameParts<'a> {
    written: &'a str,
    tokens: Vec<String>,
    joined: String,
}

impl<'a> NameParts<'a> {
    fn new(written: &'a str) -> Self {
        let tokens = tokens(written);
        let joined = tokens.concat();
        Self {
            written: written.trim(),
            tokens,
            joined,
        }
    }
}

/// The outcome of comparing two names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    /// One side has no name.
    Unknown,
    Different,
    Alike(Likeness),
}

/// Which of the two names is being compared: short forms apply to given names only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Given,
    Family,
}

fn compare(nicknames: &Nicknames, part: Part, a: &NameParts, b: &NameParts) -> Comparison {
    use Likeness::*;
    if a.tokens.is_empty() || b.tokens.is_empty() {
        return Comparison::Unknown;
    }
    if a.joined == b.joined {
        return Comparison::Alike(if a.joined.len() == 1 {
            InitialOnly
        } else {
            Same
        });
    }
    let pairs = || {
        a.tokens
            .iter()
            .flat_map(|x| b.tokens.iter().map(move |y| (x.as_str(), y.as_str())))
    };
    if pairs().any(|(x, y)| x.len() >= 2 && x == y) {
        return Comparison::Alike(SharesAPart);
    }
    if part == Part::Given && pairs().any(|(x, y)| nicknames.related(x, y)) {
        return Comparison::Alike(ShortForm);
    }
    let whole = (a.joined.as_str(), b.joined.as_str());
    if sounds_alike(whole.0, whole.1) || pairs().any(|(x, y)| sounds_alike(x, y)) {
        return Comparison::Alike(SoundsSame);
    }
    if spelt_close(whole.0, whole.1) || pairs().any(|(x, y)| spelt_close(x, y)) {
        return Comparison::Alike(SpeltClose);
    }
    let (fa, fb) = (&a.tokens[0], &b.tokens[0]);
    if (fa.len() == 1 && fb.starts_with(fa.as_str()))
        || (fb.len() == 1 && fa.starts_with(fb.as_str()))
    {
        return Comparison::Alike(InitialOnly);
    }
    Comparison::Different
}

/// The same phonetic key, and spellings no more than half apart (so Jane is not John).
fn sounds_alike(a: &str, b: &str) -> bool {
    a.len() >= 3
        && b.len() >= 3
        && phonetic_key(a) == phonetic_key(b)
        && 2 * edit_distance(a, b) <= a.len().max(b.len())
}

/// Within a typing slip: one edit for names of 4 to 7 letters, two from 8; none below 4.
fn spelt_close(a: &str, b: &str) -> bool {
    let allowed = match a.len().min(b.len()) {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    allowed > 0 && edit_distance(a, b) <= allowed
}

/// Edit distance counting a swap of two neighbouring letters as one edit (Amria, Amira).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = best;
        }
    }
    d[a.len() * w + b.len()]
}

fn given_points(c: Comparison) -> i32 {
    match c {
        Comparison::Unknown => 0,
        Comparison::Different => GIVEN_DIFFERENT,
        Comparison::Alike(l) => match l {
            Likeness::Same => GIVEN_SAME,
            Likeness::SharesAPart => GIVEN_SHARES_PART,
            Likeness::ShortForm => GIVEN_SHORT_FORM,
            Likeness::SoundsSame => GIVEN_SOUNDS_SAME,
            Likeness::SpeltClose => GIVEN_SPELT_CLOSE,
            Likeness::InitialOnly => GIVEN_INITIAL,
        },
    }
}

fn family_points(c: Comparison) -> i32 {
    match c {
        Comparison::Unknown => 0,
        Comparison::Different => FAMILY_DIFFERENT,
        Comparison::Alike(l) => match l {
            Likeness::Same => FAMILY_SAME,
            Likeness::SharesAPart => FAMILY_SHARES_PART,
            // Short forms are not looked for in family names; score one like a sound-alike.
            Likeness::ShortForm | Likeness::SoundsSame => FAMILY_SOUNDS_SAME,
            Likeness::SpeltClose => FAMILY_SPELT_CLOSE,
            Likeness::InitialOnly => FAMILY_INITIAL,
        },
    }
}

/// The best reading of the names: which recorded name each incoming name was compared with.
struct NameReading<'c> {
    points: i32,
    given: Comparison,
    family: Comparison,
    given_recorded: &'c str,
    family_recorded: &'c str,
    swapped: bool,
    former_given: bool,
    former_family: bool,
}

/// Tries the current name and each former name, each in both orders, and keeps the best (the
/// current name in the usual order wins a tie).
fn read_names<'c>(
    nicknames: &Nicknames,
    given: &NameParts,
    family: &NameParts,
    c: &'c Candidate,
) -> NameReading<'c> {
    let current_given = NameParts::new(&c.given_name);
    let current_family = NameParts::new(&c.family_name);
    let mut best: Option<NameReading<'c>> = None;
    let mut consider = |r: NameReading<'c>| {
        if best.as_ref().is_none_or(|b| r.points > b.points) {
            best = Some(r);
        }
    };
    let mut try_name = |rg: &NameParts<'c>, rf: &NameParts<'c>, former_given, former_family| {
        let g = compare(nicknames, Part::Given, given, rg);
        let f = compare(nicknames, Part::Family, family, rf);
        consider(NameReading {
            points: given_points(g) + family_points(f),
            given: g,
            family: f,
            given_recorded: rg.written,
            family_recorded: rf.written,
            swapped: false,
            former_given,
            former_family,
        });
        let g = compare(nicknames, Part::Given, given, rf);
        let f = compare(nicknames, Part::Family, family, rg);
        if matches!(g, Comparison::Alike(_)) && matches!(f, Comparison::Alike(_)) {
            consider(NameReading {
                points: given_points(g) + family_points(f) + NAMES_SWAPPED,
                given: g,
                family: f,
                given_recorded: rf.written,
                family_recorded: rg.written,
                swapped: true,
                former_given,
                former_family,
            });
        }
    };
    try_name(&current_given, &current_family, false, false);
    for (fg, ff) in &c.former_names {
        let fg = NameParts::new(fg);
        let ff = NameParts::new(ff);
        let (rg, former_given) = if fg.tokens.is_empty() || fg.joined == current_given.joined {
            (&current_given, false)
        } else {
            (&fg, true)
        };
        let former_family = !ff.tokens.is_empty() && ff.joined != current_family.joined;
        let rf = if former_family { &ff } else { &current_family };
        if former_given || former_family {
            try_name(rg, rf, former_given, former_family);
        }
    }
    best.unwrap_or(NameReading {
        points: 0,
        given: Comparison::Unknown,
        family: Comparison::Unknown,
        given_recorded: "",
        family_recorded: "",
        swapped: false,
        former_given: false,
        former_family: false,
    })
}

/// How two dates of birth compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BirthDate {
    Unknown,
    Same,
    DayMonthSwapped,
    DayOneDigit,
    YearOneOut,
    Different,
}

fn compare_birth_dates(a: Option<NaiveDate>, b: Option<NaiveDate>) -> BirthDate {
    let (Some(a), Some(b)) = (a, b) else {
        return BirthDate::Unknown;
    };
    if a == b {
        return BirthDate::Same;
    }
    let swapped = if a.day() != a.month() {
        NaiveDate::from_ymd_opt(a.year(), a.day(), a.month())
    } else {
        None
    };
    if swapped == Some(b) {
        return BirthDate::DayMonthSwapped;
    }
    if a.year() == b.year() && a.month() == b.month() {
        let (da, db) = (a.day(), b.day());
        if (da / 10 == db / 10) != (da % 10 == db % 10) {
            return BirthDate::DayOneDigit;
        }
    }
    if a.month() == b.month() && a.day() == b.day() && (a.year() - b.year()).abs() == 1 {
        return BirthDate::YearOneOut;
    }
    BirthDate::Different
}

/// Whether both sides have the identifier, and if so whether it agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agreement {
    Unknown,
    Same,
    Different,
}

fn agree<T: PartialEq>(a: Option<&T>, b: Option<&T>) -> Agreement {
    match (a, b) {
        (Some(a), Some(b)) if a == b => Agreement::Same,
        (Some(_), Some(_)) => Agreement::Different,
        _ => Agreement::Unknown,
    }
}

/// Local IDs agree when they name the same person key, or else read the same ignoring case and
/// spaces.
fn local_ids_agree(a: Option<&str>, b: Option<&str>) -> Agreement {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>()
    };
    let (Some(a), Some(b)) = (a.map(squash), b.map(squash)) else {
        return Agreement::Unknown;
    };
    if a.is_empty() || b.is_empty() {
        return Agreement::Unknown;
    }
    let same = match (parse_local_person_id(&a), parse_local_person_id(&b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    };
    if same {
        Agreement::Same
    } else {
        Agreement::Different
    }
}

fn known_sex(s: Option<&Sex>) -> Option<&'static str> {
    s.map(|s| s.as_str()).filter(|s| matches!(*s, "M" | "F"))
}

fn assess(
    nicknames: &Nicknames,
    incoming: &Incoming,
    given: &NameParts,
    family: &NameParts,
    c: &Candidate,
) -> Option<Match> {
    let nhs = agree(incoming.nhs_number.as_ref(), c.nhs_number.as_ref());
    let upn = agree(incoming.upn.as_ref(), c.upn.as_ref());
    let local = local_ids_agree(incoming.local_id.as_deref(), c.local_id.as_deref());
    let names = read_names(nicknames, given, family, c);
    let birth = compare_birth_dates(incoming.date_of_birth, c.date_of_birth);
    let postcode = match (&incoming.postcode, &c.postcode) {
        (Some(a), Some(b)) if a == b => Some(Reason::SamePostcode),
        (Some(a), Some(b)) if a.outward() == b.outward() => Some(Reason::SamePostcodeDistrict),
        _ => None,
    };
    let sex_differs = matches!(
        (known_sex(incoming.sex.as_ref()), known_sex(c.sex.as_ref())),
        (Some(a), Some(b)) if a != b
    );

    let identifier = [nhs, upn, local].contains(&Agreement::Same);
    let birth_conflict = birth == BirthDate::Different;
    let nhs_conflict = nhs == Agreement::Different;

    let fuzzy = names.points
        + match birth {
            BirthDate::Unknown => 0,
            BirthDate::Same => BIRTH_SAME,
            BirthDate::DayMonthSwapped => BIRTH_DAY_MONTH_SWAPPED,
            BirthDate::DayOneDigit => BIRTH_DAY_ONE_DIGIT,
            BirthDate::YearOneOut => BIRTH_YEAR_ONE_OUT,
            BirthDate::Different => BIRTH_DIFFERENT,
        }
        + match postcode {
            Some(Reason::SamePostcode) => POSTCODE_SAME,
            Some(_) => POSTCODE_DISTRICT,
            None => 0,
        }
        + if sex_differs { SEX_DIFFERENT } else { 0 };
    let fuzzy = u32::try_from(fuzzy.clamp(0, FUZZY_CEILING)).unwrap_or(0);

    let (score, strength) = if identifier && !birth_conflict && !nhs_conflict {
        (CERTAIN_SCORE, Strength::Certain)
    } else {
        let score = if identifier {
            IDENTIFIER_WITH_CONFLICT
        } else if nhs_conflict {
            fuzzy
                .saturating_sub(NHS_CONFLICT_PENALTY)
                .min(NHS_CONFLICT_CAP)
        } else {
            fuzzy
        };
        if score >= LIKELY_FROM {
            (score, Strength::Likely)
        } else if score >= POSSIBLE_FROM {
            (score, Strength::Possible)
        } else {
            return None;
        }
    };

    let mut reasons = Vec::new();
    if nhs == Agreement::Same {
        reasons.push(Reason::SameNhsNumber);
    }
    if upn == Agreement::Same {
        reasons.push(Reason::SameUpn);
    }
    if local == Agreement::Same {
        reasons.push(Reason::SameLocalId);
    }
    if identifier && birth_conflict {
        reasons.push(Reason::IdentifierButDifferentBirthDate);
    }
    if nhs_conflict {
        reasons.push(Reason::DifferentNhsNumber);
    }
    if names.swapped {
        reasons.push(Reason::NamesInOtherOrder);
    }
    if names.former_given {
        reasons.push(Reason::FormerGivenName);
    }
    if names.former_family {
        reasons.push(Reason::FormerFamilyName);
    }
    let evidence = |likeness, incoming: &str, recorded: &str| NameEvidence {
        likeness,
        incoming: incoming.to_string(),
        recorded: recorded.to_string(),
    };
    match names.given {
        Comparison::Alike(l) => reasons.push(Reason::GivenName(evidence(
            l,
            given.written,
            names.given_recorded,
        ))),
        Comparison::Different => reasons.push(Reason::DifferentGivenName),
        Comparison::Unknown => {}
    }
    match names.family {
        Comparison::Alike(l) => reasons.push(Reason::FamilyName(evidence(
            l,
            family.written,
            names.family_recorded,
        ))),
        Comparison::Different => reasons.push(Reason::DifferentFamilyName),
        Comparison::Unknown => {}
    }
    match birth {
        BirthDate::Unknown => {}
        BirthDate::Same => reasons.push(Reason::SameBirthDate),
        BirthDate::DayMonthSwapped => reasons.push(Reason::BirthDateDayMonthSwapped),
        BirthDate::DayOneDigit => reasons.push(Reason::BirthDayOneDigitDifferent),
        BirthDate::YearOneOut => reasons.push(Reason::BirthYearOneOut),
        // Already said, as the identifier's conflict.
        BirthDate::Different if identifier => {}
        BirthDate::Different => reasons.push(Reason::DifferentBirthDate),
    }
    reasons.extend(postcode);
    if sex_differs {
        reasons.push(Reason::DifferentSex);
    }
    Some(Match {
        person_id: c.person_id,
        score,
        strength,
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::{PersonKind, PersonName};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn nhs(s: &str) -> Option<NhsNumber> {
        Some(NhsNumber::parse(s).unwrap())
    }
    fn postcode(s: &str) -> Option<Postcode> {
        Some(Postcode::parse(s).unwrap())
    }
    fn sex(s: &str) -> Option<Sex> {
        Some(Sex::parse(s, 2024).unwrap())
    }
    fn upn(rest: &str) -> Option<Upn> {
        let c = crate::ids::upn_check_letter(rest).unwrap();
        Some(Upn::parse(&format!("{c}{rest}")).unwrap())
    }
    fn table() -> &'static Nicknames {
        Nicknames::embedded().unwrap()
    }
    fn codes(m: &Match) -> Vec<&'static str> {
        m.reasons.iter().map(Reason::code).collect()
    }

    /// The referral used by most tests: Jade Smith, born 14 March 2015, living in LS6 2AB.
    fn jade() -> Incoming {
        Incoming {
            given_name: "Jade".into(),
            family_name: "Smith".into(),
            date_of_birth: Some(date(2015, 3, 14)),
            sex: sex("F"),
            postcode: postcode("LS6 2AB"),
            ..Incoming::default()
        }
    }
    /// A record identical to [`jade`] apart from what the test changes.
    fn jade_on_record(id: i64) -> Candidate {
        Candidate {
            person_id: PersonId(id),
            given_name: "Jade".into(),
            family_name: "Smith".into(),
            date_of_birth: Some(date(2015, 3, 14)),
            sex: sex("F"),
            postcode: postcode("LS6 2AB"),
            ..Candidate::default()
        }
    }
    fn one(incoming: &Incoming, candidate: Candidate) -> Option<Match> {
        rank(table(), incoming, &[candidate]).into_iter().next()
    }
    /// A stranger: nothing in common with Jade but the record's shape.
    fn stranger(id: i64) -> Candidate {
        Candidate {
            person_id: PersonId(id),
            given_name: "Oluwaseun".into(),
            family_name: "Adeyemi".into(),
            date_of_birth: Some(date(2009, 11, 2)),
            sex: sex("M"),
            postcode: postcode("M1 1AE"),
            ..Candidate::default()
        }
    }

    #[test]
    fn each_identifier_alone_is_certain() {
        let cases: [(&str, Incoming, Candidate); 4] = [
            (
                "nhs",
                Incoming {
                    nhs_number: nhs("943 476 5919"),
                    ..Incoming::default()
                },
                Candidate {
                    nhs_number: nhs("9434765919"),
                    ..stranger(1)
                },
            ),
            (
                "upn",
                Incoming {
                    upn: upn("820200115001"),
                    ..Incoming::default()
                },
                Candidate {
                    upn: upn("820200115001"),
                    ..stranger(1)
                },
            ),
            (
                "local id",
                Incoming {
                    local_id: Some("p0000001".into()),
                    ..Incoming::default()
                },
                Candidate {
                    local_id: Some("P0000001".into()),
                    ..stranger(1)
                },
            ),
            (
                "legacy id",
                Incoming {
                    local_id: Some(" ab 123 ".into()),
                    ..Incoming::default()
                },
                Candidate {
                    local_id: Some("AB123".into()),
                    ..stranger(1)
                },
            ),
        ];
        for (label, incoming, candidate) in cases {
            let m = one(&incoming, candidate).unwrap_or_else(|| panic!("{label}: dropped"));
            assert_eq!(m.strength, Strength::Certain, "{label}");
            assert_eq!(m.score, 100, "{label}");
            let first = m.reasons[0].code();
            assert!(first.starts_with("same_"), "{label}: {first}");
        }
    }

    #[test]
    fn an_identifier_with_a_different_birth_date_is_only_likely() {
        let incoming = Incoming {
            nhs_number: nhs("9434765919"),
            ..jade()
        };
        let m = one(
            &incoming,
            Candidate {
                nhs_number: nhs("9434765919"),
                date_of_birth: Some(date(2011, 8, 30)),
                ..jade_on_record(1)
            },
        )
        .unwrap();
        assert_eq!((m.strength, m.score), (Strength::Likely, 80));
        assert!(codes(&m).contains(&"identifier_but_different_birth_date"));
        assert!(!codes(&m).contains(&"different_birth_date"));
        // A near-miss date (a typing slip) is not a conflict.
        let m = one(
            &incoming,
            Candidate {
                nhs_number: nhs("9434765919"),
                date_of_birth: Some(date(2015, 3, 13)),
                ..jade_on_record(1)
            },
        )
        .unwrap();
        assert_eq!(m.strength, Strength::Certain);
    }

    #[test]
    fn a_different_nhs_number_suppresses_an_otherwise_perfect_match() {
        let incoming = Incoming {
            nhs_number: nhs("9434765919"),
            ..jade()
        };
        let other_number = NhsNumber::parse("4010232137").ok();
        let twin_record = Candidate {
            nhs_number: other_number.clone(),
            ..jade_on_record(1)
        };
        let no_number = Candidate {
            given_name: "Jayde".into(),
            ..jade_on_record(2)
        };
        let ranked = rank(table(), &incoming, &[twin_record, no_number]);
        assert_eq!(ranked.len(), 2);
        assert_eq!(ranked[0].person_id, PersonId(2));
        let suppressed = &ranked[1];
        assert_eq!(suppressed.score, NHS_CONFLICT_CAP);
        assert_eq!(suppressed.strength, Strength::Possible);
        assert!(codes(suppressed).contains(&"different_nhs_number"));
        // With weaker evidence it is not shown at all.
        let weaker = Candidate {
            nhs_number: other_number,
            date_of_birth: None,
            postcode: None,
            given_name: "Jayde".into(),
            ..jade_on_record(3)
        };
        assert_eq!(one(&incoming, weaker), None);
    }

    /// (label, incoming change, record change, expected strength, reason code expected)
    type Case = (
        &'static str,
        fn(&mut Incoming),
        fn(&mut Candidate),
        Strength,
        &'static str,
    );

    #[test]
    fn fuzzy_matches_find_the_same_child_and_say_why() {
        let cases: &[Case] = &[
            ("exact", |_| {}, |_| {}, Strength::Likely, "same_birth_date"),
            (
                "Smith / Smyth",
                |_| {},
                |c| c.family_name = "Smyth".into(),
                Strength::Likely,
                "family_name_sounds_same",
            ),
            (
                "Bill / William",
                |i| i.given_name = "Bill".into(),
                |c| c.given_name = "William".into(),
                Strength::Likely,
                "given_name_short_form",
            ),
            (
                "Liz / Elizabeth",
                |i| i.given_name = "Liz".into(),
                |c| c.given_name = "Elizabeth".into(),
                Strength::Likely,
                "given_name_short_form",
            ),
            (
                "Alfred / Alfie, recorded the other way",
                |i| i.given_name = "Alfred".into(),
                |c| c.given_name = "Alfie".into(),
                Strength::Likely,
                "given_name_short_form",
            ),
            (
                "names swapped",
                |_| {},
                |c| {
                    c.given_name = "Smith".into();
                    c.family_name = "Jade".into();
                },
                Strength::Likely,
                "names_in_other_order",
            ),
            (
                "former family name",
                |i| i.family_name = "Kowalski".into(),
                |c| c.former_names = vec![(String::new(), "Kowalski".into())],
                Strength::Likely,
                "former_family_name",
            ),
            (
                "double-barrelled",
                |_| {},
                |c| c.family_name = "Smith-Okafor".into(),
                Strength::Likely,
                "family_name_shares_part",
            ),
            (
                "letters swapped, same sound",
                |i| i.given_name = "Jaed".into(),
                |_| {},
                Strength::Likely,
                "given_name_sounds_same",
            ),
            (
                "a slip of the keyboard",
                |i| i.family_name = "Smiyh".into(),
                |_| {},
                Strength::Likely,
                "family_name_spelt_close",
            ),
            (
                "accents and case",
                |i| i.given_name = "JADÉ".into(),
                |_| {},
                Strength::Likely,
                "given_name_same",
            ),
            (
                "initial only",
                |i| i.given_name = "J.".into(),
                |_| {},
                Strength::Likely,
                "given_name_initial_only",
            ),
            (
                "day and month swapped",
                |i| i.date_of_birth = Some(date(2015, 3, 7)),
                |c| c.date_of_birth = Some(date(2015, 7, 3)),
                Strength::Likely,
                "birth_date_day_month_swapped",
            ),
            (
                "one digit of the day",
                |_| {},
                |c| c.date_of_birth = Some(date(2015, 3, 24)),
                Strength::Likely,
                "birth_day_one_digit_different",
            ),
            (
                "year one out",
                |_| {},
                |c| c.date_of_birth = Some(date(2014, 3, 14)),
                Strength::Likely,
                "birth_year_one_out",
            ),
            (
                "no date of birth on record",
                |_| {},
                |c| c.date_of_birth = None,
                Strength::Possible,
                "same_postcode",
            ),
            (
                "twin: same family, birth date and home, other given name",
                |_| {},
                |c| c.given_name = "Ruby".into(),
                Strength::Possible,
                "different_given_name",
            ),
            (
                "sex recorded differently",
                |_| {},
                |c| c.sex = sex("M"),
                Strength::Likely,
                "different_sex",
            ),
        ];
        for (label, change_incoming, change_record, strength, code) in cases {
            let mut incoming = jade();
            change_incoming(&mut incoming);
            let mut record = jade_on_record(7);
            change_record(&mut record);
            let m = one(&incoming, record).unwrap_or_else(|| panic!("{label}: dropped"));
            assert_eq!(m.strength, *strength, "{label}: {m:?}");
            assert!(codes(&m).contains(code), "{label}: {:?}", codes(&m));
            assert!(m.score < 100, "{label}: only an identifier is Certain");
        }
    }

    #[test]
    fn the_exact_match_outranks_every_fuzzy_variant() {
        let incoming = jade();
        let candidates = [
            Candidate {
                family_name: "Smyth".into(),
                ..jade_on_record(1)
            },
            Candidate {
                date_of_birth: Some(date(2015, 3, 24)),
                ..jade_on_record(2)
            },
            jade_on_record(3),
        ];
        let ranked = rank(table(), &incoming, &candidates);
        assert_eq!(ranked[0].person_id, PersonId(3));
        assert_eq!(ranked[0].score, 95);
    }

    #[test]
    fn a_nearby_postcode_counts_for_less_than_the_same_one() {
        let incoming = jade();
        let score = |pc: &str| {
            let m = one(
                &incoming,
                Candidate {
                    postcode: postcode(pc),
                    date_of_birth: None,
                    ..jade_on_record(1)
                },
            )
            .unwrap();
            (m.score, codes(&m))
        };
        let (same, same_codes) = score("LS6 2AB");
        let (district, district_codes) = score("LS6 4QZ");
        let (elsewhere, elsewhere_codes) = score("LS16 2AB");
        assert!(same > district && district > elsewhere);
        assert!(same_codes.contains(&"same_postcode"));
        assert!(district_codes.contains(&"same_postcode_district"));
        assert!(!elsewhere_codes.iter().any(|c| c.contains("postcode")));
    }

    #[test]
    fn a_stranger_with_the_same_common_name_is_not_shown() {
        let incoming = Incoming {
            given_name: "John".into(),
            family_name: "Smith".into(),
            date_of_birth: Some(date(2012, 5, 1)),
            postcode: postcode("LS6 2AB"),
            ..Incoming::default()
        };
        let other_john = Candidate {
            person_id: PersonId(9),
            given_name: "John".into(),
            family_name: "Smith".into(),
            date_of_birth: Some(date(2008, 10, 19)),
            postcode: postcode("BD1 1AA"),
            ..Candidate::default()
        };
        assert_eq!(one(&incoming, other_john), None);
        // Jane is not John, though the keys sound alike.
        let jane = Candidate {
            given_name: "Jane".into(),
            date_of_birth: None,
            postcode: None,
            person_id: PersonId(10),
            family_name: "Smith".into(),
            ..Candidate::default()
        };
        assert_eq!(one(&incoming, jane), None);
    }

    #[test]
    fn names_alone_never_reach_likely() {
        let incoming = Incoming {
            date_of_birth: None,
            ..jade()
        };
        let mut shown = 0;
        for given in ["Jade", "Jayde", "J", "Jaed"] {
            for family in ["Smith", "Smyth", "Smith-Okafor"] {
                let m = one(
                    &incoming,
                    Candidate {
                        given_name: given.into(),
                        family_name: family.into(),
                        ..jade_on_record(1)
                    },
                );
                if let Some(m) = m {
                    assert_eq!(m.strength, Strength::Possible, "{given} {family}");
                    assert!(m.score < LIKELY_FROM);
                    shown += 1;
                }
            }
        }
        assert!(
            shown >= 6,
            "only {shown} shown: names alone should still be Possible"
        );
    }

    #[test]
    fn ranking_is_by_score_then_person_and_ignores_input_order() {
        let incoming = jade();
        let mut candidates = vec![
            jade_on_record(30),
            stranger(5),
            Candidate {
                family_name: "Smyth".into(),
                ..jade_on_record(20)
            },
            jade_on_record(10),
        ];
        let forwards = rank(table(), &incoming, &candidates);
        candidates.reverse();
        let backwards = rank(table(), &incoming, &candidates);
        assert_eq!(forwards, backwards);
        let order: Vec<i64> = forwards.iter().map(|m| m.person_id.0).collect();
        assert_eq!(order, vec![10, 30, 20]);
    }

    #[test]
    fn no_candidates_gives_no_matches() {
        assert!(rank(table(), &jade(), &[]).is_empty());
    }

    #[test]
    fn reasons_read_as_plain_english() {
        let m = one(
            &Incoming {
                given_name: "Bill".into(),
                ..jade()
            },
            Candidate {
                given_name: "William".into(),
                family_name: "Smyth".into(),
                ..jade_on_record(1)
            },
        )
        .unwrap();
        let text: Vec<String> = m.reasons.iter().map(Reason::describe).collect();
        assert!(text.contains(&"Given name is a common short form (Bill / William)".into()));
        assert!(text.contains(&"Family name sounds the same (Smith / Smyth)".into()));
        assert!(text.contains(&"Same date of birth".into()));
    }

    /// Every variant, by an exhaustive match, so a new one cannot be left out of the next test.
    fn variant_number(r: &Reason) -> usize {
        match r {
            Reason::SameNhsNumber => 0,
            Reason::SameUpn => 1,
            Reason::SameLocalId => 2,
            Reason::IdentifierButDifferentBirthDate => 3,
            Reason::DifferentNhsNumber => 4,
            Reason::GivenName(_) => 5,
            Reason::FamilyName(_) => 6,
            Reason::DifferentGivenName => 7,
            Reason::DifferentFamilyName => 8,
            Reason::NamesInOtherOrder => 9,
            Reason::FormerGivenName => 10,
            Reason::FormerFamilyName => 11,
            Reason::SameBirthDate => 12,
            Reason::BirthDateDayMonthSwapped => 13,
            Reason::BirthDayOneDigitDifferent => 14,
            Reason::BirthYearOneOut => 15,
            Reason::DifferentBirthDate => 16,
            Reason::SamePostcode => 17,
            Reason::SamePostcodeDistrict => 18,
            Reason::DifferentSex => 19,
        }
    }
    const VARIANTS: usize = 20;

    #[test]
    fn every_reason_has_a_description_and_a_unique_snake_case_code() {
        let likenesses = [
            Likeness::Same,
            Likeness::SharesAPart,
            Likeness::ShortForm,
            Likeness::SoundsSame,
            Likeness::SpeltClose,
            Likeness::InitialOnly,
        ];
        let evidence = |likeness| NameEvidence {
            likeness,
            incoming: "A".into(),
            recorded: "B".into(),
        };
        let mut all = vec![
            Reason::SameNhsNumber,
            Reason::SameUpn,
            Reason::SameLocalId,
            Reason::IdentifierButDifferentBirthDate,
            Reason::DifferentNhsNumber,
            Reason::DifferentGivenName,
            Reason::DifferentFamilyName,
            Reason::NamesInOtherOrder,
            Reason::FormerGivenName,
            Reason::FormerFamilyName,
            Reason::SameBirthDate,
            Reason::BirthDateDayMonthSwapped,
            Reason::BirthDayOneDigitDifferent,
            Reason::BirthYearOneOut,
            Reason::DifferentBirthDate,
            Reason::SamePostcode,
            Reason::SamePostcodeDistrict,
            Reason::DifferentSex,
        ];
        for l in likenesses {
            all.push(Reason::GivenName(evidence(l)));
            all.push(Reason::FamilyName(evidence(l)));
        }
        let covered: HashSet<usize> = all.iter().map(variant_number).collect();
        assert_eq!(covered.len(), VARIANTS);
        let mut codes = HashSet::new();
        for r in &all {
            assert!(!r.describe().trim().is_empty(), "{r:?}");
            let code = r.code();
            assert!(
                !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{code}"
            );
            assert!(codes.insert(code), "{code} used twice");
        }
    }

    #[test]
    fn the_nickname_table_loads_and_works_both_ways() {
        let t = table();
        assert!(
            (80..=120).contains(&t.formal_names()),
            "{}",
            t.formal_names()
        );
        let pairs = [
            ("Bill", "William", true),
            ("William", "Bill", true),
            ("Bill", "Will", true),
            ("liz", "ELIZABETH", true),
            ("Alfie", "Alfred", true),
            ("Peggy", "Margaret", true),
            ("Alexander", "Alexandra", false),
            ("John", "Jonathan", false),
            ("William", "William", false),
            ("Bill", "Robert", false),
        ];
        for (a, b, expected) in pairs {
            assert_eq!(t.are_forms_of_one_name(a, b), expected, "{a} / {b}");
        }
    }

    #[test]
    fn a_malformed_nickname_line_is_a_loud_error() {
        let cases = [
            ("William Bill, Will\n", 1),
            ("# comment\nWilliam\tBill,,Will\n", 2),
            ("William\tBill\nWill1am\tBill\n", 2),
            ("William\tBill\nWilliam\tWill\n", 2),
            ("William\tBill, Bill\n", 1),
            ("William\tWilliam\n", 1),
            ("William\tBill\tWill\n", 1),
            ("Mary Jane\tPolly\n", 1),
            ("# only a comment\n", 1),
        ];
        for (text, line) in cases {
            match Nicknames::parse(text) {
                Err(DomainError::ReferenceData { file, line: l, .. }) => {
                    assert_eq!((file, l), (NICKNAMES_FILE, line), "{text:?}");
                }
                other => panic!("{text:?} gave {other:?}"),
            }
        }
        assert!(Nicknames::parse("William\t Bill , Will\n\n").is_ok());
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        let cases = [
            ("amira", "amria", 1),
            ("smith", "smyth", 1),
            ("jade", "jade", 0),
            ("", "abc", 3),
            ("kitten", "sitting", 3),
        ];
        for (a, b, d) in cases {
            assert_eq!(edit_distance(a, b), d, "{a} / {b}");
        }
    }

    #[test]
    fn a_candidate_is_built_from_a_person_with_their_former_names() {
        let person = Person {
            id: PersonId(42),
            kind: PersonKind::Child,
            names: vec![
                PersonName {
                    given: "Jade".into(),
                    family: "Smith".into(),
                    kind: NameKind::Current,
                },
                PersonName {
                    given: "Jade".into(),
                    family: "Kowalski".into(),
                    kind: NameKind::Former,
                },
            ],
            date_of_birth: Some(date(2015, 3, 14)),
            expected_date_of_birth: None,
            date_of_death: None,
            sex: Sex::parse("F", 2024).unwrap(),
            ethnicity: crate::codes::Ethnicity::parse("WBRI", 2024).unwrap(),
            disabilities: vec![],
            nhs_number: None,
            upn: None,
            former_upn: None,
            upn_unknown: None,
            language: None,
            uasc: false,
            uasc_ceased: None,
        };
        let c = Candidate::from_person(&person, postcode("LS6 2AB"));
        assert_eq!(
            (c.given_name.as_str(), c.family_name.as_str()),
            ("Jade", "Smith")
        );
        assert_eq!(c.former_names, vec![("Jade".into(), "Kowalski".into())]);
        assert_eq!(c.local_id.as_deref(), Some("P0000042"));
        let m = one(
            &Incoming {
                family_name: "Kowalski".into(),
                ..jade()
            },
            c,
        )
        .unwrap();
        assert_eq!(m.strength, Strength::Likely);
        assert!(codes(&m).contains(&"former_family_name"));
        assert!(codes(&m).contains(&"family_name_same"));
    }
}
