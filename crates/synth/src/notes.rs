//! Invented text for contacts, decisions and case notes: short, plain, practice-like sentences
//! with no real data in them. Each is chosen at random from a small set for its context.

use crate::dist::Draw;

/// Which children a contact's text can be about: its children's ages on the day (an unborn
/// child counts as -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fits {
    /// Any family.
    Any,
    /// Only young people: every child 10 or over.
    Teen,
    /// Only a baby or a pregnancy: every child under 2 or unborn.
    Baby,
    /// A family with a child under 5.
    Under5,
    /// A family with a child of school age (4 or over).
    School,
}

/// What kind of concern brought the contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Family,
    /// A teenager's own behaviour or safety.
    Teen,
    /// An unaccompanied young person arriving.
    Uasc,
}

/// Contact texts: the referral source codes each can come from, which children it fits, and
/// the text, which opens with who made the contact.
const CONCERNS: &[(&[&str], Fits, &str)] = &[
    (
        &["1A"],
        Fits::Any,
        "Parent asks for help: struggling to manage the children's behaviour and their own health.",
    ),
    (
        &["1A"],
        Fits::Any,
        "Grandparent concerned about the care the children are receiving.",
    ),
    (
        &["1A"],
        Fits::Any,
        "Relative concerned the children are often left with unsuitable adults.",
    ),
    (
        &["1A"],
        Fits::Teen,
        "Parent reports the young person has assaulted them and asks for help.",
    ),
    (
        &["1A"],
        Fits::Teen,
        "Parent reports the young person is staying out overnight with older friends.",
    ),
    (
        &["1B"],
        Fits::Any,
        "Neighbour reports frequent shouting and children crying at the address.",
    ),
    (
        &["1B"],
        Fits::Any,
        "Neighbour concerned the children are often left alone in the evenings.",
    ),
    (
        &["1B"],
        Fits::Any,
        "Family friend concerned about a parent's drinking and the care of the children.",
    ),
    (
        &["1C"],
        Fits::Teen,
        "Young person called asking for help; says they cannot go home.",
    ),
    (
        &["1C"],
        Fits::Teen,
        "Young person self-referred after an argument at home; staying with a friend.",
    ),
    (
        &["1D"],
        Fits::Any,
        "Member of the public reports seeing children left alone in a car.",
    ),
    (
        &["1D"],
        Fits::Any,
        "Member of the public concerned about children out near a busy road late at night.",
    ),
    (
        &["1D"],
        Fits::Teen,
        "Member of the public found an unaccompanied young person alone at the bus station.",
    ),
    (
        &["2A", "2B"],
        Fits::School,
        "School reports a child arrived hungry and unkempt on several occasions.",
    ),
    (
        &["2A", "2B"],
        Fits::School,
        "School concerned about a bruise a child could not explain.",
    ),
    (
        &["2A", "2B"],
        Fits::School,
        "School reports attendance has fallen sharply; parent not engaging with school.",
    ),
    (
        &["2A", "2B"],
        Fits::School,
        "Teacher reports a child disclosed there is shouting at home most nights.",
    ),
    (
        &["2A", "2B"],
        Fits::Teen,
        "School reports the young person was excluded after a serious incident.",
    ),
    (
        &["2A", "2B"],
        Fits::Teen,
        "School concerned the young person is being exploited to carry drugs.",
    ),
    (
        &["3A"],
        Fits::Any,
        "GP concerned about parental mental health and its impact on the children.",
    ),
    (
        &["3A"],
        Fits::Any,
        "GP reports a parent's alcohol use is affecting the care of the children.",
    ),
    (
        &["3B"],
        Fits::Under5,
        "Health visitor concerned about home conditions and missed appointments.",
    ),
    (
        &["3B"],
        Fits::Baby,
        "Health visitor reports the baby is not gaining weight and the parent is low in mood.",
    ),
    (
        &["3C"],
        Fits::School,
        "School nurse reports a child has untreated dental and health needs.",
    ),
    (
        &["3C"],
        Fits::Teen,
        "School nurse reports the young person disclosed self-harm.",
    ),
    (
        &["3D"],
        Fits::Any,
        "Community nurse concerned about parental drug use in the home.",
    ),
    (
        &["3D", "3F"],
        Fits::Baby,
        "Midwife reports a pregnancy with previous children's services involvement.",
    ),
    (
        &["3E"],
        Fits::Any,
        "A&E attendance with an injury; explanation inconsistent with presentation.",
    ),
    (
        &["3E"],
        Fits::Any,
        "Emergency department reports a child brought in after swallowing a parent's medication.",
    ),
    (
        &["3E"],
        Fits::Teen,
        "Emergency department reports the young person attended intoxicated and alone.",
    ),
    (
        &["3F"],
        Fits::Any,
        "Hospital paediatric team concerned about repeated missed appointments for a child's condition.",
    ),
    (
        &["3F"],
        Fits::Any,
        "Mental health team reports a parent in crisis; children at home.",
    ),
    (
        &["3F"],
        Fits::Teen,
        "CAMHS reports the young person disclosed thoughts of self-harm.",
    ),
    (
        &["4"],
        Fits::Any,
        "Housing officer reports the family face eviction and rent arrears.",
    ),
    (
        &["4"],
        Fits::Any,
        "Housing association reports complaints of children unsupervised outside late.",
    ),
    (
        &["5A"],
        Fits::Any,
        "Adult social care report a parent in crisis; children's care may be affected.",
    ),
    (
        &["5B"],
        Fits::Any,
        "Council anti-social behaviour team report concerns about the household.",
    ),
    (
        &["5B"],
        Fits::Teen,
        "Youth justice service report the young person has been arrested again.",
    ),
    (
        &["5C"],
        Fits::Any,
        "Another authority reports the family has moved into the area with open plans.",
    ),
    (
        &["5C"],
        Fits::Teen,
        "Another authority reports an unaccompanied young person has arrived in the area.",
    ),
    (
        &["5D"],
        Fits::Any,
        "Early help keyworker requests step up: concerns increasing despite support.",
    ),
    (
        &["6"],
        Fits::Any,
        "Police attended a domestic incident at the home; children present.",
    ),
    (
        &["6"],
        Fits::Any,
        "Police notification: verbal argument between adults, child heard shouting.",
    ),
    (
        &["6"],
        Fits::Any,
        "Police report concerns about adults using drugs at the address.",
    ),
    (
        &["6"],
        Fits::Any,
        "Police attended following a report of a child left home alone.",
    ),
    (
        &["6"],
        Fits::Teen,
        "Police found the young person out late and intoxicated; returned home.",
    ),
    (
        &["6"],
        Fits::Teen,
        "Police report the young person was missing overnight and found with older males.",
    ),
    (
        &["6"],
        Fits::Teen,
        "Police found an unaccompanied young person at a motorway service station.",
    ),
    (
        &["7"],
        Fits::Any,
        "Probation report a parent's new partner has convictions for violence.",
    ),
    (
        &["7"],
        Fits::Any,
        "Cafcass report concerns raised in private law proceedings about the children.",
    ),
    (
        &["7"],
        Fits::Teen,
        "Home Office reports an unaccompanied young person has claimed asylum in the area.",
    ),
    (
        &["8"],
        Fits::Any,
        "Voluntary organisation reports the family is struggling to cope.",
    ),
    (
        &["8"],
        Fits::Under5,
        "Children's centre concerned about a young child's development and home conditions.",
    ),
    (
        &["9"],
        Fits::Any,
        "Anonymous caller reports children often left alone in the evenings.",
    ),
    (
        &["9"],
        Fits::Any,
        "Anonymous caller concerned about shouting and a child crying at the address.",
    ),
    (
        &["10"],
        Fits::Any,
        "Concerns reported about the care of the children; referrer details not recorded.",
    ),
];

fn fits(f: Fits, youngest: i32, oldest: i32) -> bool {
    match f {
        Fits::Any => true,
        Fits::Teen => youngest >= 10,
        Fits::Baby => oldest <= 1,
        Fits::Under5 => youngest <= 4,
        Fits::School => oldest >= 4,
    }
}

/// Whether a referral source can make a contact about children of these ages: health visitors
/// see families with a child under 5, schools and school nurses families with a child at
/// school, and only a young person refers themselves.
pub fn source_fits(source: &str, youngest: i32, oldest: i32) -> bool {
    match source {
        "3B" => youngest <= 4,
        "2A" | "2B" => oldest >= 4,
        "3C" => oldest >= 5,
        "1C" => youngest >= 10,
        _ => true,
    }
}

/// What a contact was about: a text that the source could have written and that fits the ages
/// of every child in the contact (`youngest` and `oldest`, -1 for an unborn child).
pub fn concern<R: Draw>(
    rng: &mut R,
    source: &str,
    youngest: i32,
    oldest: i32,
    flavour: Flavour,
) -> String {
    let from = |t: &&(&[&str], Fits, &str)| t.0.contains(&source) && fits(t.1, youngest, oldest);
    let teen: Vec<&str> = CONCERNS
        .iter()
        .filter(from)
        .filter(|t| t.1 == Fits::Teen)
        .map(|t| t.2)
        .collect();
    let unaccompanied: Vec<&str> = teen
        .iter()
        .copied()
        .filter(|t| t.contains("unaccompanied"))
        .collect();
    let teen: Vec<&str> = teen
        .into_iter()
        .filter(|t| !t.contains("unaccompanied"))
        .collect();
    let other: Vec<&str> = CONCERNS
        .iter()
        .filter(from)
        .filter(|t| t.1 != Fits::Teen)
        .map(|t| t.2)
        .collect();
    let pick = match flavour {
        Flavour::Uasc if !unaccompanied.is_empty() => &unaccompanied,
        Flavour::Teen if !teen.is_empty() && (other.is_empty() || rng.chance(0.4)) => &teen,
        _ if other.is_empty() => &teen,
        _ => &other,
    };
    if pick.is_empty() {
        return "Concerns reported about the care of the children.".to_string();
    }
    rng.one(pick).to_string()
}

/// Why the front door decided what it did.
pub fn decision_reason<R: Draw>(rng: &mut R, outcome: &str) -> &'static str {
    match outcome {
        "nfa" => rng.one(&[
            "No role for children's services; referrer informed.",
            "Needs met by universal services.",
        ]),
        "advice" => rng.one(&[
            "Advice given to the referrer and family signposted to universal services.",
            "Information shared with school nurse; advice given.",
        ]),
        "eh" => rng.one(&[
            "Needs can be met by early help with consent; passed to locality team.",
            "Family agreed to an early help assessment.",
        ]),
        "open" => rng.one(&[
            "Open case: information passed to the allocated worker.",
            "Open case: allocated worker informed the same day.",
        ]),
        _ => rng.one(&[
            "Threshold met for a statutory assessment.",
            "Significant concerns; referred for assessment by a social worker.",
            "Threshold met; strategy discussion to be considered.",
        ]),
    }
}

/// The context a case note is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteContext {
    EarlyHelp,
    Assessment,
    ChildInNeed,
    ChildProtection,
    LookedAfter,
    CareLeaver,
}

/// A case note: a subject line and a short text, sometimes naming the child.
pub fn case_note<R: Draw>(rng: &mut R, ctx: NoteContext, name: &str) -> (String, String) {
    let (subject, text) = match ctx {
        NoteContext::EarlyHelp => rng.one(&[
            ("Team around the family meeting", "TAF meeting held with school and health visitor; plan reviewed, two goals met."),
            ("Home visit", "Visited {name} and parent at home; routines improving, sleep still a concern."),
            ("Telephone call", "Call with parent about the parenting course; attending from next week."),
            ("School liaison", "School report attendance up to 94% this half term."),
            ("Family Star review", "Family Star completed with parent; progress in boundaries and routines."),
        ]),
        NoteContext::Assessment => rng.one(&[
            ("Assessment visit", "Seen {name} at home and spoke with parent; home conditions adequate."),
            ("Partner checks", "Checks completed with police, GP and school; no further information of concern."),
            ("Manager discussion", "Discussed assessment progress with team manager; outcome expected this week."),
            ("Telephone call", "Spoke to the referrer to clarify the concerns raised."),
        ]),
        NoteContext::ChildInNeed => rng.one(&[
            ("Child in need review", "CIN review held; parents engaging, plan continues with two actions outstanding."),
            ("Home visit", "Visited {name}; seen in their bedroom, happy and chatty."),
            ("Direct work", "Completed a three houses session with {name}."),
            ("Multi-agency call", "Call with school and CAMHS about support for {name}."),
        ]),
        NoteContext::ChildProtection => rng.one(&[
            ("Core group meeting", "Core group met; plan updated, parent attended, school and health present."),
            ("Statutory visit", "Unannounced visit; {name} seen alone, no new concerns observed."),
            ("Strategy discussion", "Strategy discussion with police and health; information shared and actions agreed."),
            ("Safety plan", "Safety plan reviewed with parent and network members."),
            ("Supervision", "Case discussed in supervision; plan on track, review conference booked."),
        ]),
        NoteContext::LookedAfter => rng.one(&[
            ("Statutory visit", "Visited {name} at placement; settled, enjoying school, no worries raised."),
            ("Family time", "Supervised family time went well; parent arrived on time."),
            ("Placement update", "Call with carer; {name} has started a football club."),
            ("Personal education plan", "PEP meeting held with the designated teacher and virtual school."),
            ("Health assessment", "Review health assessment completed; dental check booked."),
        ]),
        NoteContext::CareLeaver => rng.one(&[
            ("Pathway plan", "Pathway plan reviewed with {name}; college application submitted."),
            ("Keeping in touch", "Texted {name}; replied, all well, meeting next week."),
            ("Accommodation", "Viewed a flat with {name}; tenancy sign-up booked."),
            ("Finance", "Helped {name} apply for the bursary and set up a budget."),
        ]),
    };
    (subject.to_string(), text.replace("{name}", name))
}

/// Why a case note was corrected.
pub fn correction_reason<R: Draw>(rng: &mut R) -> &'static str {
    rng.one(&[
        "Wrong school named",
        "Date of meeting corrected",
        "Spelling of carer's name corrected",
        "Attendees corrected after checking the minutes",
        "Typing error in the note",
    ])
}
