//! Invented text for contacts, decisions and case notes: short, plain, practice-like sentences
//! with no real data in them. Each is chosen at random from a small set for its context.

use crate::dist::Draw;

/// What a contact was about, by the kind of concern.
pub fn concern<R: Draw>(rng: &mut R, source: &str, teen: bool) -> String {
    let text: &[&str] = match source {
        "6" => &[
            "Police attended a domestic incident at the home; children present.",
            "Police notification: verbal argument between adults, child heard shouting.",
            "Police found the young person out late and intoxicated; returned home.",
            "Police report concerns about adults using drugs at the address.",
            "Police attended following a report of a child left home alone.",
        ],
        "2A" | "2B" => &[
            "School reports child arrived hungry and unkempt on several occasions.",
            "School concerned about a bruise the child could not explain.",
            "Attendance has fallen sharply this term; parent not engaging with school.",
            "Child disclosed to a teacher that there is shouting at home most nights.",
            "School reports a change in behaviour and the child appears withdrawn.",
        ],
        "3A" | "3B" | "3C" | "3D" | "3E" | "3F" => &[
            "Health visitor concerned about home conditions and missed appointments.",
            "Midwife reports a pregnancy with previous children's services involvement.",
            "A&E attendance with an injury; explanation inconsistent with presentation.",
            "GP concerned about parental mental health and its impact on the children.",
            "School nurse reports the young person disclosed self-harm.",
        ],
        "4" => &[
            "Housing officer reports the family face eviction and rent arrears.",
            "Neighbour complaints of noise and children unsupervised outside late.",
        ],
        "5A" | "5B" | "5C" | "5D" => &[
            "Adult services report parent in crisis; children's care may be affected.",
            "Early help keyworker requests step up: concerns increasing despite support.",
            "Another authority reports the family has moved into the area with open plans.",
        ],
        _ => &[
            "Relative concerned about the care the children are receiving.",
            "Anonymous caller reports children often left alone in the evenings.",
            "Voluntary organisation reports the family is struggling to cope.",
        ],
    };
    let mut s = rng.one(text).to_string();
    if teen && rng.chance(0.4) {
        s = rng
            .one(&[
                "Young person reported missing overnight and found with older males.",
                "Concerns the young person is being exploited to carry drugs.",
                "Young person excluded from school after a serious incident.",
                "Young person assaulted a parent; parent asks for help.",
            ])
            .to_string();
    }
    s
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
