//! The tuning knobs of the journey model in one place: rates of concern, front-door outcomes,
//! assessment and protection routes, plan lengths and entries to care. The defaults are
//! calibrated so that the default authority sits near the England figures in
//! docs/england-figures.md (see docs/synthetic-data.md).

/// Rates and probabilities that drive the journeys.
#[derive(Debug, Clone)]
pub struct Params {
    /// Concerns about a family per year, by family risk (0 to 3).
    pub family_rate: [f64; 4],
    /// Concerns about a teenager's own behaviour or safety per year (ages 12 to 17), by risk.
    pub teen_rate: [f64; 4],
    /// Concerns per year about a disabled child's needs.
    pub disability_rate: f64,
    /// Chance of a pre-birth referral for an expected baby, by family risk.
    pub prebirth: [f64; 4],
    /// Chance that a family comes back within a year of a case closing, by risk.
    pub bounce: [f64; 4],
    /// Share of family contacts that become a social care referral, by risk.
    pub referral: [f64; 4],
    /// Share of family contacts passed to early help, by risk.
    pub early_help: [f64; 4],
    /// Share of referrals closed with no further action at the front door.
    pub referral_nfa: f64,
    /// Chance that a referral goes straight to a strategy discussion and section 47, by risk.
    pub s47_now: [f64; 4],
    /// Chance that a section 47 leads to an initial conference, by risk.
    pub icpc: [f64; 4],
    /// Multiplier of `icpc` for a family case by the youngest child's age (under 1, 1 to 4, 5
    /// to 9, 10 and over): babies and toddlers are the most likely to be made subject of a plan.
    pub icpc_by_youngest: [f64; 4],
    /// Multiplier of `icpc` for a family with a previous plan or a child in care.
    pub icpc_history: f64,
    /// Chance that a section 47 about a teenager's own behaviour or safety leads to a conference.
    pub icpc_teen: f64,
    /// Chance that an initial conference makes a plan.
    pub icpc_plan: f64,
    /// Chance that a 16- or 17-year-old in a family case is not made subject of the plan the
    /// younger children are (supported under a child in need plan instead).
    pub older_teen_not_on_plan: f64,
    /// How long child protection plans are meant to last (bands: up to 3 months, 3 to 6
    /// months, 6 to 12 months, 1 to 2 years, 2 years or more), before plans cut short by care
    /// or the 18th birthday; weighted so that plans ending match the DfE's D7 table.
    pub cp_length_bands: [(u8, f64); 5],
    /// Chance that a child protection plan ends with the child coming into care.
    pub cp_to_care: f64,
    /// Multiplier of `cp_to_care` when the youngest child on the plan is under 1.
    pub cp_to_care_baby: f64,
    /// Chance that a child in need plan escalates to child protection.
    pub cin_to_cp: f64,
    /// Chance that a child in need plan ends with the child coming into care (teenagers higher).
    pub cin_to_care: f64,
    /// Median length of a child in need plan, days.
    pub cin_median_days: f64,
    /// Median length of an early help episode, days.
    pub eh_median_days: f64,
    /// Chance that early help steps up to social care.
    pub eh_step_up: f64,
    /// Chance a child entering care from a family case is one of the siblings who comes in.
    pub sibling_into_care: f64,
    /// Rate of unplanned placement moves per year, by age band (under 5, 5-11, 12-15, 16+).
    pub disruption: [f64; 4],
}

impl Default for Params {
    fn default() -> Self {
        Self {
            family_rate: [0.026, 0.142, 0.465, 1.05],
            teen_rate: [0.011, 0.036, 0.09, 0.145],
            disability_rate: 0.08,
            prebirth: [0.004, 0.06, 0.29, 0.7],
            bounce: [0.18, 0.33, 0.5, 0.65],
            referral: [0.088, 0.21, 0.33, 0.43],
            early_help: [0.3, 0.34, 0.28, 0.2],
            referral_nfa: 0.075,
            s47_now: [0.25, 0.31, 0.39, 0.47],
            icpc: [0.1, 0.137, 0.198, 0.245],
            icpc_by_youngest: [3.0, 1.15, 1.0, 0.85],
            icpc_history: 1.1,
            icpc_teen: 0.08,
            icpc_plan: 0.88,
            older_teen_not_on_plan: 0.6,
            cp_length_bands: [(0, 12.8), (1, 9.0), (2, 45.0), (3, 27.0), (4, 5.0)],
            cp_to_care: 0.12,
            cp_to_care_baby: 2.0,
            cin_to_cp: 0.06,
            cin_to_care: 0.03,
            cin_median_days: 190.0,
            eh_median_days: 170.0,
            eh_step_up: 0.11,
            sibling_into_care: 0.8,
            disruption: [0.1, 0.22, 0.42, 0.5],
        }
    }
}
