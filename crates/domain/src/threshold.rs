//! The continuum of need (the council's threshold model): its levels, the indicators that
//! describe each level under the three domains of the Assessment Framework, which front-door
//! outcomes each level opens, and which outcomes a manager must authorise. A council loads its
//! model from a file; Stepwise ships three presets in `data/thresholds/`.
//!
//! # The file
//!
//! A threshold file is plain text with one row to a line and the fields of a row separated by a
//! single tab. Lines starting with `#` are comments and blank lines are ignored; spaces around a
//! field are ignored. The first field says what the row declares:
//!
//! | row | fields after the first | what it declares |
//! |---|---|---|
//! | `model` | name | the model's name (exactly one such row) |
//! | `level` | level, name, description | a level, such as `2` or `3b`; from lowest to highest |
//! | `opens` | level, outcomes | outcomes, separated by commas, that a decision at a level may record |
//! | `indicator` | level, domain, text | one indicator of need at a level, under `developmental`, `parenting` or `family_environment` |
//! | `authorise` | outcomes | outcomes, separated by commas, that need a manager's authorisation |
//!
//! A level must be declared on a `level` row before an `opens` or `indicator` row names it, and
//! every level must open at least one outcome. For example:
//!
//! ```text
//! model      Child Concern Model
//! level      1   Universal   Needs are met by universal services.
//! opens      1   no_further_action,information_and_advice,signpost_universal
//! indicator  1   parenting   Parents meet the child's needs and keep them safe.
//! authorise  no_further_action
//! ```
//!
//! (with a tab wherever the example shows spaces between fields). A file with a mistake is
//! refused whole, with a [`ThresholdError`] naming the line and the problem.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::need::LevelOfNeed;

/// What a front-door decision does for a child, as a threshold model's `opens` rows name it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    NoFurtherAction,
    InformationAndAdvice,
    SignpostUniversal,
    EarlyHelp,
    SocialCareAssessment,
    StrategyDiscussion,
    PassToAllocatedWorker,
}

impl Outcome {
    /// Every outcome, from the least to the most intervention, then passing to a worker.
    pub const ALL: [Outcome; 7] = [
        Self::NoFurtherAction,
        Self::InformationAndAdvice,
        Self::SignpostUniversal,
        Self::EarlyHelp,
        Self::SocialCareAssessment,
        Self::StrategyDiscussion,
        Self::PassToAllocatedWorker,
    ];

    /// The name written in threshold files, stored and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoFurtherAction => "no_further_action",
            Self::InformationAndAdvice => "information_and_advice",
            Self::SignpostUniversal => "signpost_universal",
            Self::EarlyHelp => "early_help",
            Self::SocialCareAssessment => "social_care_assessment",
            Self::StrategyDiscussion => "strategy_discussion",
            Self::PassToAllocatedWorker => "pass_to_allocated_worker",
        }
    }

    /// Reads a name as [`Outcome::as_str`] writes it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// In plain words.
    pub fn label(self) -> &'static str {
        match self {
            Self::NoFurtherAction => "No further action",
            Self::InformationAndAdvice => "Information and advice",
            Self::SignpostUniversal => "Signpost to universal services",
            Self::EarlyHelp => "Early help",
            Self::SocialCareAssessment => "Social care assessment",
            Self::StrategyDiscussion => "Strategy discussion",
            Self::PassToAllocatedWorker => "Pass to the allocated worker",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One side of the Assessment Framework triangle, under which indicators of need are grouped.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentDomain {
    /// The child's developmental needs: health, learning, emotional development, identity.
    Developmental,
    /// Parenting capacity: basic care, safety, warmth, stimulation, boundaries, stability.
    Parenting,
    /// Family and environmental factors: family history, wider family, housing, income, community.
    FamilyEnvironment,
}

impl AssessmentDomain {
    /// Every domain, in the Framework's order.
    pub const ALL: [AssessmentDomain; 3] = [
        Self::Developmental,
        Self::Parenting,
        Self::FamilyEnvironment,
    ];

    /// The name written in threshold files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Developmental => "developmental",
            Self::Parenting => "parenting",
            Self::FamilyEnvironment => "family_environment",
        }
    }

    /// Reads a name as [`AssessmentDomain::as_str`] writes it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// In plain words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Developmental => "The child's developmental needs",
            Self::Parenting => "Parenting capacity",
            Self::FamilyEnvironment => "Family and environmental factors",
        }
    }
}

/// One level of the continuum and the outcomes a decision at that level may record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub level: LevelOfNeed,
    pub name: String,
    pub description: String,
    pub opens: BTreeSet<Outcome>,
}

/// One indicator of need: a sign, under one domain, that a child's needs are at a level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub level: LevelOfNeed,
    pub domain: AssessmentDomain,
    pub text: String,
}

/// A continuum of need as read from a threshold file. Built only by [`ThresholdModel::parse`]
/// (or [`ThresholdModel::preset`]), so holding one means its levels are in ascending order and
/// each opens at least one outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdModel {
    name: String,
    levels: Vec<Level>,
    indicators: Vec<Indicator>,
    authorisation: BTreeSet<Outcome>,
}

/// A threshold file that was refused: the line at fault (none when the problem is with the
/// file as a whole, such as a missing `model` row) and what is wrong, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdError {
    pub line: Option<u64>,
    pub message: String,
}

impl fmt::Display for ThresholdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ThresholdError {}

/// Why a decision does not fit the threshold model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionRefused {
    /// The level is not one of the model's.
    #[error("level {level} is not on this continuum of need ({model}: levels {})", join(.levels))]
    UnknownLevel {
        level: LevelOfNeed,
        model: String,
        levels: Vec<LevelOfNeed>,
    },
    /// The level does not open the outcome.
    #[error(
        "level {level} ({name}) does not open {}; at this level the outcomes are: {}",
        .outcome.label().to_lowercase(),
        join_labels(.opens)
    )]
    NotOpened {
        level: LevelOfNeed,
        name: String,
        outcome: Outcome,
        opens: Vec<Outcome>,
    },
}

fn join(levels: &[LevelOfNeed]) -> String {
    levels
        .iter()
        .map(LevelOfNeed::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn join_labels(outcomes: &[Outcome]) -> String {
    outcomes
        .iter()
        .map(|o| o.label().to_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The threshold models shipped with Stepwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Preset {
    /// Four levels, 1 to 4, as in Walsall's Child Concern Model. The demo authority's model
    /// unless it is configured otherwise.
    #[default]
    ChildConcernModel,
    /// Six levels, 1, 2a, 2b, 3a, 3b and 4, as Wiltshire describes.
    SixLevel,
    /// Three levels in the Families First shape: universal, Family Help, child protection.
    FamiliesFirst,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 3] = [Self::ChildConcernModel, Self::SixLevel, Self::FamiliesFirst];

    /// The name used in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChildConcernModel => "child-concern-model",
            Self::SixLevel => "six-level",
            Self::FamiliesFirst => "families-first",
        }
    }

    /// Reads a name as [`Preset::as_str`] writes it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// In plain words.
    pub fn label(self) -> &'static str {
        match self {
            Self::ChildConcernModel => "Child Concern Model (four levels)",
            Self::SixLevel => "Six-level continuum of need",
            Self::FamiliesFirst => "Families First",
        }
    }

    /// The embedded file, with its path under `crates/domain/`.
    fn file(self) -> (&'static str, &'static str) {
        match self {
            Self::ChildConcernModel => (
                "data/thresholds/child-concern-model.tsv",
                include_str!("../data/thresholds/child-concern-model.tsv"),
            ),
            Self::SixLevel => (
                "data/thresholds/six-level.tsv",
                include_str!("../data/thresholds/six-level.tsv"),
            ),
            Self::FamiliesFirst => (
                "data/thresholds/families-first.tsv",
                include_str!("../data/thresholds/families-first.tsv"),
            ),
        }
    }
}

impl ThresholdModel {
    /// Reads a threshold file (the format is in the module's documentation), refusing the whole
    /// file at its first mistake.
    pub fn parse(text: &str) -> Result<Self, ThresholdError> {
        // A file saved from a spreadsheet may start with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .has_headers(false)
            .flexible(true)
            .comment(Some(b'#'))
            // Quotation marks are part of the text, not field delimiters.
            .quoting(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut draft = Draft::default();
        for record in reader.records() {
            let record = record.map_err(|e| ThresholdError {
                line: e.position().map(csv::Position::line),
                message: format!("the file could not be read: {e}"),
            })?;
            let line = record.position().map(|p| record_line(text, p));
            let fields: Vec<&str> = record.iter().collect();
            draft
                .row(line, &fields)
                .map_err(|message| ThresholdError { line, message })?;
        }
        draft.finish()
    }

    /// One of the models shipped with Stepwise. An embedded file that cannot be read is an
    /// error naming the file and line, so a broken build refuses to start.
    pub fn preset(preset: Preset) -> Result<Self, ThresholdError> {
        let (path, text) = preset.file();
        Self::parse(text).map_err(|e| ThresholdError {
            line: e.line,
            message: format!("the {} preset ({path}): {}", preset.as_str(), e.message),
        })
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The levels, lowest first.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// Every indicator, in file order.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// The indicators at one level, in file order.
    pub fn indicators_at<'a>(
        &'a self,
        level: &'a LevelOfNeed,
    ) -> impl Iterator<Item = &'a Indicator> + 'a {
        self.indicators.iter().filter(move |i| &i.level == level)
    }

    /// The outcomes that need a manager's authorisation.
    pub fn authorisation(&self) -> &BTreeSet<Outcome> {
        &self.authorisation
    }

    /// The level with this code, if the model has it.
    pub fn level(&self, level: &LevelOfNeed) -> Option<&Level> {
        self.levels.iter().find(|l| &l.level == level)
    }

    /// Whether a decision at `level` may record `outcome`.
    pub fn allows(&self, level: &LevelOfNeed, outcome: Outcome) -> bool {
        self.level(level)
            .is_some_and(|l| l.opens.contains(&outcome))
    }

    /// Whether `outcome` needs a manager's authorisation under this model.
    pub fn needs_authorisation(&self, outcome: Outcome) -> bool {
        self.authorisation.contains(&outcome)
    }

    /// Checks that a decision at `level` may record `outcome`, saying why not if it may not.
    /// (Whether it also needs a manager's authorisation is [`Self::needs_authorisation`].)
    pub fn check_decision(
        &self,
        level: &LevelOfNeed,
        outcome: Outcome,
    ) -> Result<(), DecisionRefused> {
        let Some(l) = self.level(level) else {
            return Err(DecisionRefused::UnknownLevel {
                level: level.clone(),
                model: self.name.clone(),
                levels: self.levels.iter().map(|l| l.level.clone()).collect(),
            });
        };
        if l.opens.contains(&outcome) {
            Ok(())
        } else {
            Err(DecisionRefused::NotOpened {
                level: level.clone(),
                name: l.name.clone(),
                outcome,
                opens: l.opens.iter().copied().collect(),
            })
        }
    }

    /// Writes the model back as a threshold file that [`Self::parse`] reads to the same model.
    pub fn to_tsv(&self) -> String {
        let outcomes =
            |set: &BTreeSet<Outcome>| set.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(",");
        let mut rows = vec![format!("model\t{}", self.name)];
        for l in &self.levels {
            rows.push(format!("level\t{}\t{}\t{}", l.level, l.name, l.description));
        }
        for l in &self.levels {
            rows.push(format!("opens\t{}\t{}", l.level, outcomes(&l.opens)));
        }
        if !self.authorisation.is_empty() {
            rows.push(format!("authorise\t{}", outcomes(&self.authorisation)));
        }
        for i in &self.indicators {
            rows.push(format!(
                "indicator\t{}\t{}\t{}",
                i.level,
                i.domain.as_str(),
                i.text
            ));
        }
        rows.push(String::new());
        rows.join("\n")
    }
}

/// A model being read, row by row.
#[derive(Default)]
struct Draft {
    /// The model's name and the line that gave it.
    name: Option<(Option<u64>, String)>,
    /// Each level with the line that declared it.
    levels: Vec<(Option<u64>, Level)>,
    indicators: Vec<Indicator>,
    authorisation: BTreeSet<Outcome>,
}

impl Draft {
    /// Takes in one row, or says what is wrong with it.
    fn row(&mut self, line: Option<u64>, fields: &[&str]) -> Result<(), String> {
        let Some((&kind, rest)) = fields.split_first() else {
            return Ok(());
        };
        if kind.is_empty() && rest.iter().all(|f| f.is_empty()) {
            // A line of spaces or tabs only.
            return Ok(());
        }
        match kind {
            "model" => {
                let [name] = shape(kind, "the model's name", rest)?;
                let name = text(name, "the model's name")?;
                if let Some((first, _)) = &self.name {
                    return Err(format!(
                        "the model is already named{}; a file holds one model",
                        on_line(*first)
                    ));
                }
                self.name = Some((line, name));
            }
            "level" => {
                let [level, name, description] =
                    shape(kind, "the level, its name and a description", rest)?;
                let level = level_of_need(level)?;
                let name = text(name, "the level's name")?;
                let description = text(description, "the level's description")?;
                if let Some((first, _)) = self.levels.iter().find(|(_, l)| l.level == level) {
                    return Err(format!(
                        "level {level} is declared twice (first{})",
                        on_line(*first)
                    ));
                }
                if let Some((_, last)) = self.levels.last()
                    && last.level > level
                {
                    return Err(format!(
                        "level {level} comes after level {}: declare the levels from lowest to highest",
                        last.level
                    ));
                }
                self.levels.push((
                    line,
                    Level {
                        level,
                        name,
                        description,
                        opens: BTreeSet::new(),
                    },
                ));
            }
            "opens" => {
                let [level, outcomes] =
                    shape(kind, "the level, then outcomes separated by commas", rest)?;
                let level = self.declared(level)?;
                for outcome in outcome_list(outcomes)? {
                    if !level.opens.insert(outcome) {
                        return Err(format!("level {} already opens {outcome}", level.level));
                    }
                }
            }
            "indicator" => {
                let [level, domain, indicator] =
                    shape(kind, "the level, the domain and the indicator's text", rest)?;
                let level = self.declared(level)?.level.clone();
                let domain = AssessmentDomain::parse(domain).ok_or_else(|| {
                    format!(
                        "unknown domain {domain:?}: the domains are {}",
                        AssessmentDomain::ALL
                            .iter()
                            .map(|d| format!("{} ({})", d.as_str(), d.label().to_lowercase()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
                let text = text(indicator, "the indicator's text")?;
                self.indicators.push(Indicator {
                    level,
                    domain,
                    text,
                });
            }
            "authorise" => {
                let [outcomes] = shape(kind, "outcomes separated by commas", rest)?;
                for outcome in outcome_list(outcomes)? {
                    if !self.authorisation.insert(outcome) {
                        return Err(format!(
                            "{outcome} is already listed as needing authorisation"
                        ));
                    }
                }
            }
            other => {
                return Err(format!(
                    "unknown row {other:?}: a row starts with model, level, opens, indicator or authorise"
                ));
            }
        }
        Ok(())
    }

    /// The level declared on an earlier row, for an `opens` or `indicator` row to name.
    fn declared(&mut self, level: &str) -> Result<&mut Level, String> {
        let level = level_of_need(level)?;
        self.levels
            .iter_mut()
            .map(|(_, l)| l)
            .find(|l| l.level == level)
            .ok_or_else(|| {
                format!("level {level} is not declared: add a level row for it above this line")
            })
    }

    /// Checks the file as a whole and builds the model.
    fn finish(self) -> Result<ThresholdModel, ThresholdError> {
        let Some((_, name)) = self.name else {
            return Err(ThresholdError {
                line: None,
                message: "the file has no model row naming the model".to_string(),
            });
        };
        if self.levels.is_empty() {
            return Err(ThresholdError {
                line: None,
                message: "the file declares no levels".to_string(),
            });
        }
        if let Some((line, l)) = self.levels.iter().find(|(_, l)| l.opens.is_empty()) {
            return Err(ThresholdError {
                line: *line,
                message: format!(
                    "level {} ({}) opens no outcome: add an opens row for it",
                    l.level, l.name
                ),
            });
        }
        Ok(ThresholdModel {
            name,
            levels: self.levels.into_iter().map(|(_, l)| l).collect(),
            indicators: self.indicators,
            authorisation: self.authorisation,
        })
    }
}

/// The fields after the row kind, if there are exactly `N` of them.
fn shape<'a, const N: usize>(
    kind: &str,
    wanted: &str,
    rest: &[&'a str],
) -> Result<[&'a str; N], String> {
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    <[&str; N]>::try_from(rest).map_err(|_| {
        format!(
            "{article} {kind} row has {} fields separated by tabs ({kind}, then {wanted}), but this one has {}",
            N + 1,
            rest.len() + 1
        )
    })
}

/// A text field, which must not be empty.
fn text(field: &str, what: &str) -> Result<String, String> {
    if field.is_empty() {
        Err(format!("{what} is empty"))
    } else {
        Ok(field.to_string())
    }
}

fn level_of_need(field: &str) -> Result<LevelOfNeed, String> {
    LevelOfNeed::parse(field).map_err(|_| {
        format!(
            "{field:?} is not a level: write a digit from 1 to 9, optionally followed by a letter (2, 3b)"
        )
    })
}

/// A list of outcomes separated by commas.
fn outcome_list(field: &str) -> Result<Vec<Outcome>, String> {
    field
        .split(',')
        .map(str::trim)
        .map(|name| {
            if name.is_empty() {
                return Err(
                    "the list of outcomes is empty or has an empty item (check for a stray comma)"
                        .to_string(),
                );
            }
            Outcome::parse(name).ok_or_else(|| {
                format!(
                    "unknown outcome {name:?}: the outcomes are {}",
                    Outcome::ALL.map(Outcome::as_str).join(", ")
                )
            })
        })
        .collect()
}

/// The line a record is on. The reader gives the position where it began looking for the
/// record, which is before any blank and comment lines it skipped, so this steps over those.
fn record_line(text: &str, position: &csv::Position) -> u64 {
    let mut line = position.line();
    let start = usize::try_from(position.byte()).unwrap_or(usize::MAX);
    let mut rest = text.as_bytes().get(start..).unwrap_or_default();
    loop {
        match rest.split_first() {
            Some((b'\n', tail)) => {
                line += 1;
                rest = tail;
            }
            Some((b'\r', tail)) => rest = tail,
            Some((b'#', _)) => match rest.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    line += 1;
                    rest = rest.get(end + 1..).unwrap_or_default();
                }
                None => break,
            },
            _ => break,
        }
    }
    line
}

fn on_line(line: Option<u64>) -> String {
    line.map(|n| format!(" on line {n}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn l(s: &str) -> LevelOfNeed {
        LevelOfNeed::parse(s).unwrap()
    }

    /// Turns `|` into tabs so that test files can be read.
    fn tsv(s: &str) -> String {
        s.replace('|', "\t")
    }

    const CUSTOM: &str = "\
# A council's own model, with split levels.
model|Our continuum

level|1|Universal|Needs met by universal services.
level|2a|Emerging|One agency helps.
level|3|Statutory|Social care.
opens|1|no_further_action, information_and_advice
opens|2a|early_help,pass_to_allocated_worker
opens|3|social_care_assessment,strategy_discussion
indicator|1|parenting|Parents keep the child \"safe\" and well.
indicator|3|family_environment|Domestic abuse with the child at risk.
indicator|3|developmental|A disclosure of harm.
authorise|strategy_discussion
";

    #[test]
    fn each_preset_parses_with_its_levels() {
        let cases = [
            (
                Preset::ChildConcernModel,
                vec![
                    ("1", "Universal"),
                    ("2", "Early help"),
                    ("3", "Targeted early help"),
                    ("4", "Specialist"),
                ],
            ),
            (
                Preset::SixLevel,
                vec![
                    ("1", "Universal"),
                    ("2a", "Emerging needs"),
                    ("2b", "Additional needs"),
                    ("3a", "Complex needs"),
                    ("3b", "Child in need"),
                    ("4", "Child protection or care"),
                ],
            ),
            (
                Preset::FamiliesFirst,
                vec![
                    ("1", "Universal"),
                    ("2", "Family Help"),
                    ("3", "Child protection (multi-agency)"),
                ],
            ),
        ];
        for (preset, want) in cases {
            let m = ThresholdModel::preset(preset).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(m.name(), preset.label());
            let got: Vec<(&str, &str)> = m
                .levels()
                .iter()
                .map(|l| (l.level.as_str(), l.name.as_str()))
                .collect();
            assert_eq!(got, want, "{preset:?}");
            for level in m.levels() {
                // Every level has indicators, and a child already open can go to their worker.
                assert!(
                    m.indicators_at(&level.level).count() >= 3,
                    "{preset:?} {}",
                    level.level
                );
                assert!(m.allows(&level.level, Outcome::PassToAllocatedWorker));
            }
            assert!(m.needs_authorisation(Outcome::NoFurtherAction));
            assert!(m.needs_authorisation(Outcome::StrategyDiscussion));
            assert!(!m.needs_authorisation(Outcome::EarlyHelp));
            let top = &m.levels()[m.levels().len() - 1].level;
            assert!(m.allows(top, Outcome::StrategyDiscussion));
            assert!(!m.allows(&l("1"), Outcome::StrategyDiscussion));
            assert!(m.allows(&l("1"), Outcome::NoFurtherAction));
        }
        assert_eq!(Preset::default(), Preset::ChildConcernModel);
    }

    #[test]
    fn preset_names_round_trip() {
        for p in Preset::ALL {
            assert_eq!(Preset::parse(p.as_str()), Some(p));
        }
        assert_eq!(Preset::parse("six-level"), Some(Preset::SixLevel));
        assert_eq!(Preset::parse("Six level"), None);
    }

    #[test]
    fn outcome_and_domain_names_round_trip() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
            assert!(!o.label().is_empty());
        }
        let names: Vec<&str> = Outcome::ALL.map(Outcome::as_str).to_vec();
        assert_eq!(
            names,
            [
                "no_further_action",
                "information_and_advice",
                "signpost_universal",
                "early_help",
                "social_care_assessment",
                "strategy_discussion",
                "pass_to_allocated_worker"
            ]
        );
        assert_eq!(Outcome::parse("NFA"), None);
        for d in AssessmentDomain::ALL {
            assert_eq!(AssessmentDomain::parse(d.as_str()), Some(d));
        }
        assert_eq!(AssessmentDomain::parse("health"), None);
    }

    #[test]
    fn a_custom_file_reads_as_written_and_round_trips() {
        let m = ThresholdModel::parse(&tsv(CUSTOM)).unwrap();
        assert_eq!(m.name(), "Our continuum");
        let levels: Vec<&str> = m.levels().iter().map(|l| l.level.as_str()).collect();
        assert_eq!(levels, ["1", "2a", "3"]);
        let universal = m.level(&l("1")).unwrap();
        assert_eq!(universal.description, "Needs met by universal services.");
        assert_eq!(
            universal.opens,
            BTreeSet::from([Outcome::NoFurtherAction, Outcome::InformationAndAdvice])
        );
        assert_eq!(m.indicators().len(), 3);
        // Quotation marks are text, not field delimiters.
        assert_eq!(
            m.indicators()[0].text,
            "Parents keep the child \"safe\" and well."
        );
        assert_eq!(m.indicators()[0].domain, AssessmentDomain::Parenting);
        assert_eq!(m.indicators_at(&l("3")).count(), 2);
        assert_eq!(m.indicators_at(&l("2a")).count(), 0);
        assert_eq!(
            m.authorisation(),
            &BTreeSet::from([Outcome::StrategyDiscussion])
        );
        assert_eq!(ThresholdModel::parse(&m.to_tsv()), Ok(m));
        for p in Preset::ALL {
            let m = ThresholdModel::preset(p).unwrap();
            assert_eq!(ThresholdModel::parse(&m.to_tsv()), Ok(m), "{p:?}");
        }
    }

    #[test]
    fn windows_line_endings_and_a_byte_order_mark_are_read() {
        let text = format!("\u{feff}{}", tsv(CUSTOM).replace('\n', "\r\n"));
        assert_eq!(
            ThresholdModel::parse(&text),
            ThresholdModel::parse(&tsv(CUSTOM))
        );
    }

    #[test]
    fn allows_and_authorisation_follow_the_file() {
        let m = ThresholdModel::parse(&tsv(CUSTOM)).unwrap();
        assert!(m.allows(&l("2a"), Outcome::EarlyHelp));
        assert!(m.allows(&l("2a"), Outcome::PassToAllocatedWorker));
        // This file opens passing to a worker at 2a only.
        assert!(!m.allows(&l("1"), Outcome::PassToAllocatedWorker));
        assert!(!m.allows(&l("1"), Outcome::SocialCareAssessment));
        assert!(
            !m.allows(&l("2b"), Outcome::EarlyHelp),
            "2b is not a level here"
        );
        assert!(m.level(&l("4")).is_none());
        assert!(m.needs_authorisation(Outcome::StrategyDiscussion));
        assert!(!m.needs_authorisation(Outcome::NoFurtherAction));

        assert_eq!(
            m.check_decision(&l("3"), Outcome::StrategyDiscussion),
            Ok(())
        );
        let e = m
            .check_decision(&l("1"), Outcome::StrategyDiscussion)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "level 1 (Universal) does not open strategy discussion; at this level the outcomes \
             are: no further action, information and advice"
        );
        let e = m.check_decision(&l("4"), Outcome::EarlyHelp).unwrap_err();
        assert_eq!(
            e.to_string(),
            "level 4 is not on this continuum of need (Our continuum: levels 1, 2a, 3)"
        );
    }

    #[test]
    fn each_mistake_is_refused_naming_its_line() {
        const HEAD: &str = "# header\nmodel|M\nlevel|1|Universal|Met.\nopens|1|no_further_action\n";
        // (file after HEAD, the line at fault, part of the message)
        let cases: &[(&str, Option<u64>, &str)] = &[
            ("levle|2|Early|More.\n", Some(5), "unknown row \"levle\""),
            ("level|2|Early\n", Some(5), "a level row has 4 fields"),
            ("level|2|Early|More.|extra\n", Some(5), "but this one has 5"),
            ("opens|1\n", Some(5), "an opens row has 3 fields"),
            ("authorise\n", Some(5), "an authorise row has 2 fields"),
            ("level|L2|Early|More.\n", Some(5), "\"L2\" is not a level"),
            ("level|10|Ten|More.\n", Some(5), "\"10\" is not a level"),
            (
                "\nlevel|1|Again|More.\n",
                Some(6),
                "level 1 is declared twice (first on line 3)",
            ),
            (
                "\n\n# a comment\n\n# another\nlevl|2\n",
                Some(10),
                "unknown row \"levl\"",
            ),
            (
                "\r\n\r\n# a comment\r\nlevl|2\r\n",
                Some(8),
                "unknown row \"levl\"",
            ),
            (
                "level|3|A|B.\nopens|3|early_help\nlevel|2|C|D.\n",
                Some(7),
                "level 2 comes after level 3",
            ),
            ("opens|2|early_help\n", Some(5), "level 2 is not declared"),
            (
                "indicator|2|parenting|Text.\n",
                Some(5),
                "level 2 is not declared",
            ),
            (
                "level|2|E|F.\nopens|2|early_help,nfa\n",
                Some(6),
                "unknown outcome \"nfa\": the outcomes are no_further_action, information_and_advice, signpost_universal, early_help, social_care_assessment, strategy_discussion, pass_to_allocated_worker",
            ),
            (
                "level|2|E|F.\nopens|2|early_help,\n",
                Some(6),
                "stray comma",
            ),
            (
                "opens|1|no_further_action\n",
                Some(5),
                "level 1 already opens no_further_action",
            ),
            (
                "indicator|1|health|Text.\n",
                Some(5),
                "unknown domain \"health\": the domains are developmental",
            ),
            (
                "indicator|1|parenting|\n",
                Some(5),
                "the indicator's text is empty",
            ),
            ("level|2||F.\n", Some(5), "the level's name is empty"),
            ("level|2|E|\n", Some(5), "the level's description is empty"),
            (
                "authorise|strategy_discusion\n",
                Some(5),
                "unknown outcome \"strategy_discusion\"",
            ),
            (
                "authorise|early_help,early_help\n",
                Some(5),
                "early_help is already listed",
            ),
            (
                "model|Again\n",
                Some(5),
                "the model is already named on line 2",
            ),
            (
                "# note\nlevel|2|E|F.\nlevel|3|G|H.\nopens|3|early_help\n",
                Some(6),
                "level 2 (E) opens no outcome",
            ),
        ];
        for (tail, line, message) in cases {
            let text = tsv(&format!("{HEAD}{tail}"));
            let e = ThresholdModel::parse(&text).unwrap_err();
            assert_eq!(e.line, *line, "{tail:?}: {e}");
            assert!(e.message.contains(message), "{tail:?}: {e}");
        }
        // Problems with the file as a whole have no line.
        let whole: &[(&str, &str)] = &[
            ("", "the file has no model row"),
            (
                "level|1|U|M.\nopens|1|early_help\n",
                "the file has no model row",
            ),
            ("# only a name\nmodel|M\n", "the file declares no levels"),
        ];
        for (text, message) in whole {
            let e = ThresholdModel::parse(&tsv(text)).unwrap_err();
            assert_eq!(e.line, None, "{text:?}: {e}");
            assert!(e.message.contains(message), "{text:?}: {e}");
            assert_eq!(e.to_string(), e.message);
        }
        let e = ThresholdModel::parse(&tsv("model|M\nlevel|x|U|M.\n")).unwrap_err();
        assert!(
            e.to_string().starts_with("line 2: \"x\" is not a level"),
            "{e}"
        );
    }

    proptest! {
        /// Whatever rows a file holds, reading it never panics; a refusal names a line of the
        /// file or none, and a model read has ascending levels that each open an outcome.
        #[test]
        fn any_file_is_read_or_refused_with_a_line_in_it(
            rows in prop::collection::vec(
                prop::collection::vec(
                    prop::sample::select(vec![
                        "model", "level", "opens", "indicator", "authorise", "# c", "", "1", "2",
                        "2a", "3", "x", "early_help", "no_further_action,early_help", "parenting",
                        "Text", "\"",
                    ]),
                    1..5,
                ),
                0..12,
            )
        ) {
            let text: String = rows.iter().map(|r| format!("{}\n", r.join("\t"))).collect();
            match ThresholdModel::parse(&text) {
                Ok(m) => {
                    prop_assert!(!m.levels().is_empty());
                    prop_assert!(m.levels().windows(2).all(|w| w[0].level < w[1].level));
                    prop_assert!(m.levels().iter().all(|l| !l.opens.is_empty()));
                }
                Err(e) => {
                    if let Some(line) = e.line {
                        prop_assert!(line >= 1 && line <= rows.len() as u64, "{e}");
                        // The line named is a row, not a blank line or a comment.
                        let named = text.lines().nth(usize::try_from(line - 1).unwrap()).unwrap();
                        prop_assert!(!named.trim().is_empty() && !named.starts_with('#'), "{e}: {named:?}");
                    }
                }
            }
        }
    }
}
