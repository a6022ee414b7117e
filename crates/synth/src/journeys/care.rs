//! Care: a child's period of being looked after, from the day they come into care to the day
//! they leave, as SSDA903 episodes. Legal status follows the route in (police protection and
//! emergency orders, interim and full care orders, placement orders, section 20, remand, short
//! breaks); placements follow age and plan, with planned moves, unplanned disruptions and the
//! recoding of placement types that the DfE retires. Leaving care at 16 or over after 13 weeks
//! makes a care leaver with a personal adviser until 21 (sometimes to 25).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use stepwise_domain::DomainError;
use stepwise_domain::events::{AllocationRole, AssessmentOutcome, EventKind, Placement};
use stepwise_domain::ids::Postcode;

use super::case::{Case, Route};
use super::{Rec, TAG_CARE};
use crate::days::{Day, age, age_years, birthday, date, day};
use crate::dist::{Draw, stream};
use crate::places::SettingKind;

/// A first placement that siblings coming into care together can share.
#[derive(Debug, Clone)]
pub struct Shared {
    stay: Stay,
}

#[derive(Debug, Clone)]
struct Stay {
    legal: &'static str,
    placement: &'static str,
    provider: &'static str,
    postcode: Option<Postcode>,
    urn: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    ReturnHome,
    Sgo,
    Adoption,
    LongTerm,
    ToEighteen,
    Uasc,
    Remand,
    ShortBreaks,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Legal(&'static str),
    HomeOnCareOrder,
    PlaceForAdoption,
    LongTermMatch,
    MoveOn,
    Disruption,
    Recode,
    StatusChange,
    AuthoriseAssessment,
    End(&'static str),
}

/// Whether a code is valid on a day by the domain's lists, reading days before the earliest
/// listed collection year as that year.
pub fn valid(list: &str, code: &str, d: Day, floor: Day) -> bool {
    let y = stepwise_domain::codes::collection_year(date(d.max(floor)));
    stepwise_domain::codes::check(list, code, y).is_ok()
}

/// The first day of the collection years in which the placement codes are listed at all.
pub fn placement_floor() -> Result<Day, DomainError> {
    let first = stepwise_domain::codes::all()?
        .iter()
        .filter(|c| c.list == "placement" && c.code == "U6")
        .filter_map(|c| c.first_year)
        .min();
    Ok(match first {
        Some(y) => day(chrono::NaiveDate::from_ymd_opt(y, 4, 1).unwrap_or_default()),
        None => i32::MIN / 2,
    })
}

/// The days on which placement codes stop being valid (1 April after their last year).
pub fn retirements() -> Result<Vec<Day>, DomainError> {
    let mut v: Vec<Day> = stepwise_domain::codes::all()?
        .iter()
        .filter(|c| c.list == "placement")
        .filter_map(|c| c.last_year)
        .map(|y| day(chrono::NaiveDate::from_ymd_opt(y + 1, 4, 1).unwrap_or_default()))
        .collect();
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

fn unplanned_reason(rng: &mut ChaCha8Rng) -> &'static str {
    rng.pick(&[
        ("OTHER", 40.0),
        ("CREQB", 15.0),
        ("CREQO", 11.5),
        ("CHILD", 5.5),
        ("STAND", 2.5),
        ("ALLEG", 2.5),
        ("CLOSE", 2.5),
        ("APPRR", 1.5),
        ("LAREQ", 2.0),
        ("CUSTOD", 0.5),
    ])
}

impl Case<'_> {
    fn supported(&self, rng: &mut ChaCha8Rng, d: Day) -> &'static str {
        let f = self.ctx.floor;
        if valid("placement", "K3", d, f) {
            if rng.chance(0.85) || !valid("placement", "Z11", d, f) {
                "K3"
            } else {
                "Z11"
            }
        } else if rng.chance(0.6) {
            "H5"
        } else {
            "P2"
        }
    }

    fn choose(
        &self,
        rng: &mut ChaCha8Rng,
        a: f64,
        route: Route,
        d: Day,
        home: &Option<Postcode>,
        disabled: bool,
    ) -> Stay {
        let code: &'static str = match route {
            Route::Uasc if a < 16.0 => rng.pick(&[("U6", 80.0), ("K2", 20.0)]),
            Route::Uasc => {
                if rng.chance(0.5) {
                    self.supported(rng, d)
                } else {
                    rng.pick(&[("U6", 40.0), ("K2", 8.0)])
                }
            }
            Route::ShortBreaks => rng.pick(&[("U6", 55.0), ("K2", 45.0)]),
            Route::Remand => rng.pick(&[("U6", 50.0), ("K2", 40.0), ("K1", 10.0)]),
            _ if a < 1.0 => rng.pick(&[
                ("U6", 55.0),
                ("U3", 20.0),
                ("R3", 12.0),
                ("U5", 8.0),
                ("P1", 5.0),
            ]),
            _ if a < 5.0 => rng.pick(&[
                ("U6", 60.0),
                ("U3", 25.0),
                ("U5", 6.0),
                ("P1", 6.0),
                ("R3", 3.0),
            ]),
            _ if a < 12.0 => {
                let k2 = if disabled { 14.0 } else { 6.0 };
                rng.pick(&[
                    ("U6", 62.0),
                    ("U3", 22.0),
                    ("K2", k2),
                    ("P1", 6.0),
                    ("S1", 1.0),
                    ("U4", 3.0),
                ])
            }
            _ if a < 16.0 => rng.pick(&[
                ("U6", 40.0),
                ("U3", 8.0),
                ("K2", 45.0),
                ("P1", 3.0),
                ("K1", 1.5),
                ("S1", 2.0),
                ("U4", 4.0),
            ]),
            _ => {
                if rng.chance(0.18) {
                    self.supported(rng, d)
                } else {
                    rng.pick(&[
                        ("U6", 44.0),
                        ("U3", 9.0),
                        ("K2", 42.0),
                        ("P1", 4.0),
                        ("K1", 1.0),
                    ])
                }
            }
        };
        self.stay_for(rng, code, d, home)
    }

    fn stay_for(
        &self,
        rng: &mut ChaCha8Rng,
        code: &'static str,
        d: Day,
        home: &Option<Postcode>,
    ) -> Stay {
        let places = self.ctx.places;
        let loc = self.hh.locality_on(d);
        let setting = |rng: &mut ChaCha8Rng, kind: SettingKind| {
            places
                .setting(rng, kind)
                .map(|s| (s.provider, Some(s.postcode.clone()), Some(s.urn.clone())))
        };
        let h5_urn = d >= day(chrono::NaiveDate::from_ymd_opt(2023, 10, 28).unwrap_or_default());
        let (provider, postcode, urn) = match code {
            "K2" => setting(rng, SettingKind::ChildrensHome),
            "K3" | "Z11" => setting(rng, SettingKind::Supported),
            "H5" => setting(rng, SettingKind::Supported)
                .map(|(p, pc, u)| (p, pc, if h5_urn { u } else { None })),
            "K1" => setting(rng, SettingKind::Secure),
            "S1" => setting(rng, SettingKind::ResidentialSchool),
            "R3" => setting(rng, SettingKind::FamilyCentre),
            "P1" => Some(("PR0", home.clone(), None)),
            "P2" => Some((
                rng.pick(&[("PR4", 60.0), ("PR1", 40.0)]),
                Some(places.local_postcode(rng, loc)),
                None,
            )),
            "U1" | "U2" | "U3" => {
                let pc = if rng.chance(0.8) {
                    places.local_postcode(rng, loc)
                } else {
                    places.away_postcode(rng)
                };
                Some(("PR1", Some(pc), None))
            }
            "A3" | "A4" | "A5" | "A6" => {
                let pc = if rng.chance(0.4) {
                    places.local_postcode(rng, loc)
                } else {
                    places.away_postcode(rng)
                };
                Some((
                    rng.pick(&[("PR1", 55.0), ("PR2", 30.0), ("PR5", 15.0)]),
                    Some(pc),
                    None,
                ))
            }
            _ => {
                let provider = rng.pick(&[("PR1", 55.0), ("PR4", 40.0), ("PR5", 5.0)]);
                let local = if provider == "PR1" { 0.85 } else { 0.45 };
                let pc = if rng.chance(local) {
                    places.local_postcode(rng, loc)
                } else {
                    places.away_postcode(rng)
                };
                Some((provider, Some(pc), None))
            }
        }
        .unwrap_or(("PR4", None, None));
        Stay {
            legal: "V2",
            placement: code,
            provider,
            postcode,
            urn,
        }
    }

    fn placement_of(
        &self,
        i: usize,
        s: &Stay,
        home: &Option<Postcode>,
    ) -> Result<Placement, DomainError> {
        let need = match self.kids[i].need {
            "N0" | "N9" => "N1",
            n => n,
        };
        Ok(Placement {
            legal_status: s.legal.parse()?,
            placement: s.placement.parse()?,
            provider: s.provider.parse()?,
            category_of_need: need.parse()?,
            home_postcode: home.clone(),
            placement_postcode: s.postcode.clone(),
            urn: s.urn.clone(),
        })
    }

    /// Child `i` comes into care on `d`. Returns the first placement for siblings to share.
    pub fn enter_care(
        &mut self,
        i: usize,
        d: Day,
        route: Route,
        shared: Option<&Shared>,
        until: Option<Day>,
        draw: u32,
    ) -> Result<Option<Shared>, DomainError> {
        if d > self.ctx.today {
            self.kids[i].truncated = true;
            return Ok(None);
        }
        let mut rng = stream(
            self.ctx.seed,
            TAG_CARE,
            self.kids[i].person as u64,
            d as u64,
        );
        let dob = self.kids[i].dob;
        let a = age_years(dob, d).max(0.0);
        let disabled = self.kids[i].disabled;
        let plan = match route {
            Route::Uasc => Plan::Uasc,
            Route::Remand => Plan::Remand,
            Route::ShortBreaks => Plan::ShortBreaks,
            Route::Voluntary if a >= 13.0 => rng.pick(&[
                (Plan::ReturnHome, 50.0),
                (Plan::ToEighteen, 35.0),
                (Plan::LongTerm, 15.0),
            ]),
            Route::Voluntary => rng.pick(&[
                (Plan::ReturnHome, 60.0),
                (Plan::LongTerm, 25.0),
                (Plan::Sgo, 15.0),
            ]),
            _ if a < 2.0 => rng.pick(&[
                (Plan::Adoption, 50.0),
                (Plan::ReturnHome, 18.0),
                (Plan::Sgo, 24.0),
                (Plan::LongTerm, 8.0),
            ]),
            _ if a < 5.0 => rng.pick(&[
                (Plan::Adoption, 20.0),
                (Plan::ReturnHome, 28.0),
                (Plan::Sgo, 32.0),
                (Plan::LongTerm, 20.0),
            ]),
            _ if a < 12.0 => rng.pick(&[
                (Plan::ReturnHome, 30.0),
                (Plan::Sgo, 25.0),
                (Plan::LongTerm, 45.0),
            ]),
            _ => rng.pick(&[
                (Plan::ReturnHome, 35.0),
                (Plan::ToEighteen, 45.0),
                (Plan::Sgo, 5.0),
                (Plan::LongTerm, 15.0),
            ]),
        };
        let legal0: &'static str = match route {
            Route::Protection if a >= 12.0 => rng.pick(&[("C1", 55.0), ("L1", 15.0), ("V2", 30.0)]),
            Route::Protection => rng.pick(&[("C1", 70.0), ("L1", 10.0), ("L2", 7.0), ("V2", 13.0)]),
            Route::Birth => rng.pick(&[("C1", 55.0), ("L2", 20.0), ("V2", 25.0)]),
            Route::Voluntary => {
                if rng.chance(0.05) {
                    "L1"
                } else {
                    "V2"
                }
            }
            Route::Uasc => "V2",
            Route::Remand => "J1",
            Route::ShortBreaks => "V4",
        };
        let home = if route == Route::Uasc {
            None
        } else {
            self.hh.place_on(d).map(|p| p.postcode.clone())
        };
        // Brothers and sisters often share a first placement, though not supported or
        // independent accommodation, which is for 16 and over.
        let adult_setting = |code: &str| matches!(code, "K3" | "H5" | "P2" | "Z11" | "Z12");
        let mut stay = match shared {
            Some(s)
                if route != Route::Uasc
                    && (a >= 16.0 || !adult_setting(s.stay.placement))
                    && rng.chance(0.7) =>
            {
                s.stay.clone()
            }
            _ => self.choose(&mut rng, a, route, d, &home, disabled),
        };
        stay.legal = legal0;
        let first = Shared { stay: stay.clone() };
        let b18 = birthday(dob, 18);

        // The plan's milestones and when the period ends.
        let mut acts: Vec<(Day, Action)> = Vec::new();
        let mut court: Option<Day> = None;
        match legal0 {
            "L1" => {
                let t = d + rng.int(1, 3);
                let next = if matches!(plan, Plan::ReturnHome | Plan::ToEighteen) && rng.chance(0.6)
                {
                    "V2"
                } else {
                    "C1"
                };
                acts.push((t, Action::Legal(next)));
                if next == "C1" {
                    court = Some(t);
                }
            }
            "L2" => {
                let t = d + rng.int(3, 8);
                acts.push((t, Action::Legal("C1")));
                court = Some(t);
            }
            "C1" => court = Some(d),
            "V2" if matches!(plan, Plan::Adoption | Plan::Sgo | Plan::LongTerm) => {
                let t = d + rng.int(30, 150);
                acts.push((t, Action::Legal("C1")));
                court = Some(t);
            }
            _ => {}
        }
        let hearing = court.map(|c| c + (rng.lognormal(215.0, 0.22) as i32).clamp(120, 430));
        let mut end: Option<(Day, &'static str)> = None;
        match plan {
            Plan::ReturnHome => match hearing {
                Some(h) => {
                    if rng.chance(0.55) {
                        end = Some((h, "E4A"));
                    } else {
                        acts.push((h, Action::HomeOnCareOrder));
                        end = Some((h + rng.int(180, 540), "E4A"));
                    }
                }
                None => {
                    let stay_days = (rng.lognormal(55.0, 1.1) as i32).clamp(2, 600);
                    let rec = rng.pick(&[("E4A", 55.0), ("E4B", 20.0), ("E13", 20.0), ("E8", 5.0)]);
                    end = Some((d + stay_days, rec));
                }
            },
            Plan::Sgo => {
                let h = hearing.unwrap_or(d + rng.int(200, 400));
                let rec = if stay.placement == "U3" || stay.placement == "U1" {
                    rng.pick(&[("E45", 75.0), ("E41", 10.0), ("E47", 15.0)])
                } else {
                    rng.pick(&[("E47", 55.0), ("E46", 15.0), ("E48", 15.0), ("E41", 15.0)])
                };
                end = Some((h + rng.int(0, 60), rec));
            }
            Plan::Adoption => {
                let h = hearing.unwrap_or(d + rng.int(200, 400));
                acts.push((h, Action::Legal("E1")));
                let placed = h + (rng.lognormal(210.0, 0.5) as i32).clamp(60, 1000);
                acts.push((placed, Action::PlaceForAdoption));
                let order = placed + rng.int(120, 300);
                end = Some((order, if rng.chance(0.75) { "E11" } else { "E12" }));
            }
            Plan::LongTerm => {
                if let Some(h) = hearing {
                    acts.push((h, Action::Legal("C2")));
                    acts.push((h + rng.int(60, 360), Action::LongTermMatch));
                    if rng.chance(0.12) {
                        let later = h + rng.int(400, 1500);
                        let rec = if stay.placement == "U3" {
                            "E45"
                        } else {
                            rng.pick(&[("E46", 50.0), ("E4A", 50.0)])
                        };
                        end = Some((later, rec));
                    }
                } else {
                    acts.push((d + rng.int(120, 400), Action::LongTermMatch));
                }
            }
            Plan::ToEighteen => {
                if let Some(h) = hearing {
                    acts.push((h, Action::Legal("C2")));
                }
                if rng.chance(0.15) {
                    let back = d + rng.int(60, 500);
                    end = Some((
                        back,
                        rng.pick(&[("E4A", 50.0), ("E4B", 30.0), ("E13", 20.0)]),
                    ));
                }
            }
            Plan::Uasc => {
                let u = rng.unit();
                if u < 0.05 {
                    end = Some((d + rng.int(30, 180), "E15"));
                } else if u < 0.09 {
                    end = Some((d + rng.int(20, 400), "E8"));
                } else if u < 0.12 {
                    end = Some((d + rng.int(10, 60), "E3"));
                }
                acts.push((
                    self.ctx.cal.add(d, rng.int(10, 40)),
                    Action::AuthoriseAssessment,
                ));
            }
            Plan::Remand => {
                end = Some((
                    d + rng.int(14, 100),
                    if rng.chance(0.8) { "E14" } else { "E9" },
                ));
            }
            Plan::ShortBreaks => {
                end = Some((until.unwrap_or(d + 365), "E8"));
            }
        }
        // Nobody stays in care past 18.
        let at_18 = if disabled && rng.chance(0.2) {
            "E7"
        } else {
            match stay.placement {
                "U1" | "U2" | "U3" | "U4" | "U5" | "U6" => rng.pick(&[
                    ("E17", 42.0),
                    ("E5", 40.0),
                    ("E6", 9.0),
                    ("E8", 4.0),
                    ("E4B", 5.0),
                ]),
                "P1" => "E8",
                _ => rng.pick(&[("E5", 68.0), ("E6", 14.0), ("E8", 9.0), ("E4B", 9.0)]),
            }
        };
        let (end_day, rec) = match end {
            Some((e, r)) if e < b18 => (e, r),
            _ => (b18, at_18),
        };
        let end_day = end_day.max(d + 1);
        acts.push((end_day, Action::End(rec)));
        // Moving on to supported accommodation at 16 or 17.
        if matches!(plan, Plan::ToEighteen | Plan::LongTerm) && a < 17.5 && rng.chance(0.2) {
            let t = birthday(dob, 16) + rng.int(120, 500);
            if t > d && t < end_day {
                acts.push((t, Action::MoveOn));
            }
        }
        // Unplanned moves.
        let unstable = if rng.chance(0.15) { 3.0 } else { 1.0 };
        let mut t = d;
        loop {
            let age_then = age_years(dob, t).max(0.0);
            let band = if age_then < 5.0 {
                0
            } else if age_then < 12.0 {
                1
            } else if age_then < 16.0 {
                2
            } else {
                3
            };
            let rate = self.ctx.p.disruption[band] * unstable;
            t += rng.exponential(365.25 / rate.max(0.01)) as i32 + 1;
            if t >= end_day - 7 || t > self.ctx.today {
                break;
            }
            if plan != Plan::ShortBreaks && plan != Plan::Remand {
                acts.push((t, Action::Disruption));
            }
        }
        // Changes in the status of a placement only (PLACE): a temporary foster placement
        // confirmed as long-term, or a change of the arrangement with the same carers.
        let mut t2 = d;
        loop {
            t2 += rng.exponential(365.25 / 0.14) as i32 + 30;
            if t2 >= end_day - 7 || t2 > self.ctx.today {
                break;
            }
            if !matches!(plan, Plan::ShortBreaks | Plan::Remand | Plan::ReturnHome) {
                acts.push((t2, Action::StatusChange));
            }
        }
        for r in self.ctx.retirements.iter().copied() {
            if r > d && r < end_day {
                acts.push((r, Action::Recode));
            }
        }
        acts.sort_by_key(|(t, a)| (*t, matches!(a, Action::End(_))));

        // Into care.
        self.push(
            i,
            d,
            None,
            EventKind::LookedAfterStarted {
                placement: self.placement_of(i, &stay, &home)?,
                previous_permanence: None,
            },
            Rec::Allocated,
            0,
            d,
        );
        let transfer = d + rng.int(5, 60);
        let mut transferred = route == Route::ShortBreaks;
        let mut last_event = d;
        for (t, act) in acts {
            if !transferred && transfer < t && transfer <= self.ctx.today {
                let team = self.ctx.teams.children_in_care_team(draw);
                self.allocate_one(
                    i,
                    transfer,
                    team,
                    AllocationRole::SocialWorker,
                    "TSPROC",
                    draw,
                )?;
                transferred = true;
            }
            if t > self.ctx.today {
                self.kids[i].truncated = true;
                return Ok(Some(first));
            }
            // Two changes on one day would make a zero-length episode: move the later one on.
            let t = match act {
                Action::End(_) => t.max(last_event),
                Action::AuthoriseAssessment => t,
                _ if t <= last_event => last_event + 1,
                _ => t,
            };
            if t > self.ctx.today {
                self.kids[i].truncated = true;
                return Ok(Some(first));
            }
            let change = |case: &mut Self,
                          rng: &mut ChaCha8Rng,
                          stay: &Stay,
                          rne: &str,
                          reason: Option<&str>|
             -> Result<(), DomainError> {
                let _ = rng;
                let p = case.placement_of(i, stay, &home)?;
                case.push(
                    i,
                    t,
                    None,
                    EventKind::LookedAfterChanged {
                        reason_new_episode: rne.parse()?,
                        placement: p,
                        reason_place_change: reason.map(str::parse).transpose()?,
                    },
                    Rec::Allocated,
                    0,
                    0,
                );
                Ok(())
            };
            match act {
                Action::Legal(ls) => {
                    if stay.legal != ls {
                        stay.legal = ls;
                        change(self, &mut rng, &stay, "L", None)?;
                        last_event = t;
                    }
                }
                Action::HomeOnCareOrder => {
                    let mut s = self.stay_for(&mut rng, "P1", t, &home);
                    s.legal = "C2";
                    stay = s;
                    change(self, &mut rng, &stay, "B", Some("CARPL"))?;
                    last_event = t;
                }
                Action::PlaceForAdoption => {
                    let with_carers = matches!(stay.placement, "U5" | "U2") || rng.chance(0.25);
                    if with_carers {
                        stay.placement = "A5";
                        stay.urn = None;
                        change(self, &mut rng, &stay, "T", Some("CARPL"))?;
                    } else {
                        let mut s = self.stay_for(&mut rng, "A6", t, &home);
                        s.legal = stay.legal;
                        stay = s;
                        change(self, &mut rng, &stay, "P", Some("CARPL"))?;
                    }
                    last_event = t;
                }
                Action::LongTermMatch => {
                    if matches!(stay.placement, "U6" | "U3") && rng.chance(0.8) {
                        stay.placement = if stay.placement == "U3" { "U1" } else { "U4" };
                        change(self, &mut rng, &stay, "T", Some("PLACE"))?;
                        last_event = t;
                    } else if stay.placement != "P1" && !stay.placement.starts_with('A') {
                        let code = if rng.chance(0.8) { "U4" } else { "U1" };
                        let mut s = self.stay_for(&mut rng, code, t, &home);
                        s.legal = stay.legal;
                        stay = s;
                        change(self, &mut rng, &stay, "P", Some("CARPL"))?;
                        last_event = t;
                    }
                }
                Action::MoveOn => {
                    if !matches!(stay.placement, "P1" | "K3" | "H5" | "P2" | "Z11") {
                        let code = self.supported(&mut rng, t);
                        let mut s = self.stay_for(&mut rng, code, t, &home);
                        s.legal = stay.legal;
                        stay = s;
                        change(self, &mut rng, &stay, "P", Some("CARPL"))?;
                        last_event = t;
                    }
                }
                Action::Disruption => {
                    if stay.placement.starts_with('A') || stay.placement == "P1" {
                        continue;
                    }
                    let a_now = age_years(dob, t);
                    let planned = rng.chance(0.25);
                    let reason = if planned {
                        "CARPL"
                    } else {
                        unplanned_reason(&mut rng)
                    };
                    let mut s = self.choose(
                        &mut rng,
                        a_now,
                        if route == Route::Uasc {
                            Route::Uasc
                        } else {
                            Route::Protection
                        },
                        t,
                        &home,
                        disabled,
                    );
                    if s.placement == "P1" {
                        s = self.stay_for(&mut rng, "U6", t, &home);
                    }
                    s.legal = stay.legal;
                    stay = s;
                    change(self, &mut rng, &stay, "P", Some(reason))?;
                    last_event = t;
                }
                Action::StatusChange => {
                    let next = match stay.placement {
                        "U6" => Some("U4"),
                        "U3" => Some("U1"),
                        "U5" => Some("U6"),
                        "U2" => Some("U3"),
                        "U4" if rng.chance(0.3) => Some("U6"),
                        "K2" | "K3" | "U4" | "U1" => Some(stay.placement),
                        _ => None,
                    };
                    if let Some(code) = next {
                        if code == stay.placement {
                            // Same setting, new arrangement (for example a new provider contract).
                            stay.provider = if stay.provider == "PR4" {
                                "PR5"
                            } else {
                                stay.provider
                            };
                        }
                        stay.placement = code;
                        change(self, &mut rng, &stay, "T", Some("PLACE"))?;
                        last_event = t;
                    }
                }
                Action::Recode => {
                    if !valid("placement", stay.placement, t, self.ctx.floor) {
                        stay.placement = match stay.placement {
                            "P2" => "Z12",
                            "Z1" => "Z14",
                            _ => "K3",
                        };
                        change(self, &mut rng, &stay, "T", Some("PLACE"))?;
                        last_event = t;
                    }
                }
                Action::AuthoriseAssessment => {
                    let mut factors = vec!["9A".to_string()];
                    if rng.chance(0.3) {
                        factors.insert(0, "4A".to_string());
                    }
                    self.push(
                        i,
                        t,
                        None,
                        EventKind::AssessmentAuthorised {
                            factors: super::case::codes(&factors)?,
                            outcome: AssessmentOutcome::LookedAfter,
                        },
                        Rec::Manager,
                        0,
                        0,
                    );
                }
                Action::End(rec) => {
                    self.leave_care(i, t, d, rec, route, &mut rng)?;
                    return Ok(Some(first));
                }
            }
        }
        Ok(Some(first))
    }

    /// The period of care ends on `t` (it began on `start`), and what follows.
    fn leave_care(
        &mut self,
        i: usize,
        t: Day,
        start: Day,
        rec: &'static str,
        route: Route,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), DomainError> {
        self.push(
            i,
            t,
            None,
            EventKind::LookedAfterEnded {
                reason: rec.parse()?,
            },
            Rec::Allocated,
            0,
            0,
        );
        if route == Route::ShortBreaks {
            return Ok(());
        }
        let dob = self.kids[i].dob;
        let a = age(dob, t);
        let leaver = a >= 16 && t - start >= 91 && matches!(rec, "E5" | "E6" | "E17" | "E8" | "E7");
        if leaver {
            self.push(
                i,
                t,
                None,
                EventKind::CareLeaverStarted,
                Rec::Allocated,
                0,
                0,
            );
            self.conclude(i, t)?;
            self.push(
                i,
                t,
                None,
                EventKind::ReferralClosed {
                    reason: "RC7".parse()?,
                },
                Rec::Manager,
                0,
                0,
            );
            let team = self.ctx.teams.care_leavers_team(rng.r#gen());
            let draw: u32 = rng.r#gen();
            self.allocate_one(i, t, team, AllocationRole::PersonalAdviser, "TSPROC", draw)?;
            let u = rng.unit();
            let end = if u < 0.75 {
                birthday(dob, 21)
            } else if u < 0.95 {
                birthday(dob, 22) + rng.int(0, 3 * 365)
            } else {
                (t + rng.int(120, 900)).min(birthday(dob, 21))
            };
            if end > self.ctx.today {
                self.kids[i].truncated = true;
                return Ok(());
            }
            self.push(
                i,
                end,
                None,
                EventKind::CareLeaverEnded,
                Rec::Allocated,
                0,
                0,
            );
            return Ok(());
        }
        let reason = match rec {
            "E11" | "E12" => "RC1",
            "E45" | "E46" | "E47" | "E48" => "RC4",
            "E41" => "RC3",
            "E3" => "RC5",
            "E7" => "RC6",
            "E2" => "RC2",
            _ => "RC7",
        };
        if matches!(rec, "E11" | "E12") {
            self.kids[i].left_home = Some((t, true));
        } else if matches!(rec, "E45" | "E46" | "E47" | "E48" | "E41") && rec != "E41" {
            self.kids[i].left_home = Some((t, false));
        }
        let home_again = matches!(rec, "E4A" | "E4B" | "E13");
        if home_again && a < 17 && rng.chance(0.45) {
            self.push(i, t, None, EventKind::CinPlanStarted, Rec::Allocated, 0, 0);
            let team = self
                .ctx
                .teams
                .cin_cp_team(self.hh.locality_on(t), rng.r#gen());
            let draw: u32 = rng.r#gen();
            let at = t + rng.int(0, 15);
            let end = (t + rng.int(90, 270)).min(birthday(dob, 18));
            if at < end && at <= self.ctx.today {
                self.allocate_one(i, at, team, AllocationRole::SocialWorker, "TSPROC", draw)?;
            }
            if end > self.ctx.today {
                self.kids[i].truncated = true;
                return Ok(());
            }
            self.push(i, end, None, EventKind::CinPlanEnded, Rec::Allocated, 0, 0);
            self.conclude(i, end)?;
            self.push(
                i,
                end,
                None,
                EventKind::ReferralClosed {
                    reason: "RC7".parse()?,
                },
                Rec::Manager,
                0,
                0,
            );
            return Ok(());
        }
        let close = (t + if home_again { rng.int(0, 20) } else { 0 }).min(birthday(dob, 18).max(t));
        if close > self.ctx.today {
            self.kids[i].truncated = true;
            return Ok(());
        }
        self.conclude(i, close)?;
        self.push(
            i,
            close,
            None,
            EventKind::ReferralClosed {
                reason: reason.parse()?,
            },
            Rec::Manager,
            0,
            0,
        );
        Ok(())
    }
}
