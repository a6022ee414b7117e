//! Families and people: households with one or two parents or carers, full and half siblings,
//! partners and other household members, address histories with moves, and the people's
//! identifiers (test-range NHS numbers, UPNs with LA code 990, or a UPN-unknown reason). The
//! population is drawn so that exactly the configured number of children are aged 0 to 17 on
//! `today`, with the young adults who were children during the history beside them.

use chrono::Datelike;
use rand_chacha::ChaCha8Rng;
use stepwise_domain::ids::{NhsNumber, Upn, nhs_check_digit, upn_check_letter};
use stepwise_domain::people::{NameKind, PersonKind, PersonName, RelationshipKind};

use crate::SynthConfig;
use crate::days::{Day, add_months, age, birthday, date, day};
use crate::dist::{Draw, stream};
use crate::names::{self, HERITAGE_MIX, Heritage};
use crate::places::{Place, Places};

/// A person before identifiers are fixed and before it is known whether they are kept.
#[derive(Debug, Clone)]
pub struct PersonDraft {
    pub kind: PersonKind,
    pub names: Vec<PersonName>,
    pub dob: Option<Day>,
    pub expected: Option<Day>,
    pub sex: &'static str,
    pub ethnicity: &'static str,
    pub disabilities: Vec<&'static str>,
    pub nhs: Option<NhsNumber>,
    pub upn: Option<Upn>,
    pub former_upn: Option<Upn>,
    pub upn_unknown: Option<&'static str>,
    pub language: Option<&'static str>,
    pub uasc: bool,
    pub heritage: Heritage,
    /// People who only exist if something happens to them (unborn children, UASC).
    pub conditional: bool,
}

/// A household before it is numbered.
#[derive(Debug, Clone)]
pub struct HouseholdDraft {
    /// (person, from, to)
    pub members: Vec<(usize, Day, Option<Day>)>,
    /// (address, start, end)
    pub addresses: Vec<(Place, Day, Option<Day>)>,
    /// How likely the family is to come to the attention of children's services (0 to 3).
    pub risk: u8,
    /// The household's children (including young adults and expected babies), oldest first.
    pub children: Vec<usize>,
}

impl HouseholdDraft {
    /// The locality (0-based) the household lived in on a day.
    pub fn locality_on(&self, d: Day) -> usize {
        self.place_on(d)
            .map(|p| (p.locality.0 - 1).max(0) as usize)
            .unwrap_or(0)
    }
    /// The address the household lived at on a day.
    pub fn place_on(&self, d: Day) -> Option<&Place> {
        self.addresses
            .iter()
            .rev()
            .find(|(_, s, _)| *s <= d)
            .or(self.addresses.first())
            .map(|(p, _, _)| p)
    }
}

/// Everyone in the synthetic authority and how they are related.
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub people: Vec<PersonDraft>,
    pub households: Vec<HouseholdDraft>,
    pub relationships: Vec<(usize, usize, RelationshipKind)>,
    /// Unaccompanied asylum-seeking children and the day each arrived.
    pub uasc: Vec<(usize, Day)>,
}

/// Hands out NHS numbers in the 999 test range, each once, in a scrambled order.
struct NhsSource {
    k: u64,
    offset: u64,
}

impl NhsSource {
    fn next(&mut self) -> Option<NhsNumber> {
        while self.k < 1_000_000 {
            let n = (self.k * 7_919 + self.offset) % 1_000_000;
            self.k += 1;
            let body = format!("999{n:06}");
            let digits: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
            if let Some(c) = nhs_check_digit(&digits)
                && let Ok(x) = NhsNumber::parse(&format!("{body}{c}"))
            {
                return Some(x);
            }
        }
        None
    }
}

/// Hands out UPNs for LA 990 by school and year of entry.
struct UpnSource {
    serials: std::collections::BTreeMap<(u32, u32), u32>,
}

impl UpnSource {
    fn upn(&mut self, school: u32, year: u32) -> Option<Upn> {
        let mut school = school;
        loop {
            let s = self.serials.entry((school, year)).or_insert(0);
            if *s < 999 {
                *s += 1;
                let rest = format!("990{school:04}{:02}{:03}", year % 100, *s);
                let c = upn_check_letter(&rest)?;
                return Upn::parse(&format!("{c}{rest}")).ok();
            }
            school += 1;
        }
    }

    fn temporary<R: Draw>(rng: &mut R, school: u32, year: u32) -> Option<Upn> {
        let letter = rng.one(b"ABCDEFGHJKLMNPQRTUVWXYZ".as_slice()) as char;
        let rest = format!(
            "990{school:04}{:02}{:02}{letter}",
            year % 100,
            rng.int(1, 99)
        );
        let c = upn_check_letter(&rest)?;
        Upn::parse(&format!("{c}{rest}")).ok()
    }
}

const DISABILITY: &[(&str, f64)] = &[
    ("AUT", 30.0),
    ("LD", 25.0),
    ("COMM", 20.0),
    ("BEH", 15.0),
    ("MOB", 8.0),
    ("PC", 5.0),
    ("HEAR", 5.0),
    ("VIS", 4.0),
    ("HAND", 3.0),
    ("CON", 3.0),
    ("INC", 3.0),
    ("DDA", 5.0),
];

struct Builder<'a> {
    rng: ChaCha8Rng,
    cfg: &'a SynthConfig,
    places: &'a Places,
    today: Day,
    pop: Population,
    nhs: NhsSource,
    upns: UpnSource,
    localities: usize,
}

impl Builder<'_> {
    fn name(&mut self, h: Heritage, sex: &str, family: &str) -> Vec<PersonName> {
        let given = names::given(&mut self.rng, h, sex).to_string();
        vec![PersonName {
            given,
            family: family.to_string(),
            kind: NameKind::Current,
        }]
    }

    fn person(
        &mut self,
        kind: PersonKind,
        h: Heritage,
        sex: &'static str,
        family: &str,
        dob: Option<Day>,
    ) -> usize {
        let names = self.name(h, sex, family);
        let ethnicity = names::ethnicity(&mut self.rng, h);
        self.pop.people.push(PersonDraft {
            kind,
            names,
            dob,
            expected: None,
            sex,
            ethnicity,
            disabilities: Vec::new(),
            nhs: None,
            upn: None,
            former_upn: None,
            upn_unknown: None,
            language: None,
            uasc: false,
            heritage: h,
            conditional: false,
        });
        self.pop.people.len() - 1
    }

    fn adult(&mut self, h: Heritage, sex: &'static str, family: &str, dob: Day) -> usize {
        // Parents and carers are adults on `today` (teenage parents are 18 or over by then).
        let dob = dob.min(add_months(self.today, -12 * 18) - 1);
        let i = self.person(PersonKind::Adult, h, sex, family, Some(dob));
        let lang = names::language(&mut self.rng, h);
        let nhs = if self.rng.chance(0.65) {
            self.nhs.next()
        } else {
            None
        };
        let p = &mut self.pop.people[i];
        p.language = Some(lang);
        p.nhs = nhs;
        if self.rng.chance(0.03) {
            let given = p.names[0].given.clone();
            let short: String = given.chars().take(3).collect();
            p.names.push(PersonName {
                given: short,
                family: p.names[0].family.clone(),
                kind: NameKind::Alias,
            });
        }
        i
    }

    fn sex(&mut self) -> &'static str {
        let u = self.rng.unit();
        if u < 0.001 {
            "U"
        } else if u < 0.512 {
            "M"
        } else {
            "F"
        }
    }

    fn child(
        &mut self,
        h: Heritage,
        ethnicity: Option<&'static str>,
        family: &str,
        dob: Day,
        language: &'static str,
    ) -> usize {
        let sex = self.sex();
        let kind = if age(dob, self.today) >= 18 {
            PersonKind::Adult
        } else {
            PersonKind::Child
        };
        let i = self.person(kind, h, sex, family, Some(dob));
        let disabled = self.rng.chance(if sex == "M" { 0.06 } else { 0.032 });
        let mut dis = Vec::new();
        if disabled {
            let n = self.rng.pick(&[(1usize, 60.0), (2, 30.0), (3, 10.0)]);
            while dis.len() < n {
                let d = self.rng.pick(DISABILITY);
                if !dis.contains(&d) {
                    dis.push(d);
                }
            }
            dis.sort_unstable();
        }
        let nhs = if self.rng.chance(0.985) {
            self.nhs.next()
        } else {
            None
        };
        let lang = if language == "English" || self.rng.chance(0.6) {
            "English"
        } else {
            language
        };
        let (upn, former, unknown) = self.school_ids(dob);
        let alias = self.rng.chance(0.02);
        let p = &mut self.pop.people[i];
        if let Some(e) = ethnicity {
            p.ethnicity = e;
        }
        p.disabilities = dis;
        p.nhs = nhs;
        p.language = Some(lang);
        p.upn = upn;
        p.former_upn = former;
        p.upn_unknown = unknown;
        if alias {
            let g = p.names[0].given.clone();
            let nick: String = g.chars().take(4).collect();
            p.names.push(PersonName {
                given: nick,
                family: p.names[0].family.clone(),
                kind: NameKind::Alias,
            });
        }
        i
    }

    /// A UPN when the child has started school by `today`, else the reason there is none.
    fn school_ids(&mut self, dob: Day) -> (Option<Upn>, Option<Upn>, Option<&'static str>) {
        let d = date(dob);
        // Reception starts in the September after the fourth birthday.
        let start_year = if d.month() >= 9 {
            d.year() + 5
        } else {
            d.year() + 4
        };
        let start = day(chrono::NaiveDate::from_ymd_opt(start_year, 9, 1).unwrap_or_default());
        if start > self.today {
            return (None, None, Some("UN1"));
        }
        let u = self.rng.unit();
        if u < 0.005 {
            return (None, None, Some("UN3"));
        }
        if u < 0.008 {
            return (None, None, Some("UN5"));
        }
        let loc = self.rng.int(0, self.localities as i32 - 1) as u32;
        let school = 2000 + loc * 50 + self.rng.int(0, 11) as u32;
        let year = start_year as u32;
        let upn = self.upns.upn(school, year);
        let former = if self.rng.chance(0.03) {
            UpnSource::temporary(&mut self.rng, school, year)
        } else {
            None
        };
        (upn, former, None)
    }

    fn household(&mut self, quota: &mut [usize], remaining: &mut usize) {
        let max_age = quota.len() as i32 - 1;
        let risk = self.rng.pick(&[(0u8, 70.0), (1, 20.0), (2, 8.0), (3, 2.0)]);
        let h1 = self.rng.pick(HERITAGE_MIX);
        let mixed = self.rng.chance(0.09);
        let h2 = if mixed {
            self.rng.pick(HERITAGE_MIX)
        } else {
            h1
        };
        // How many children, and their ages (oldest first), from what is left of each age.
        let want = self
            .rng
            .pick(&[(1usize, 40.0), (2, 36.0), (3, 16.0), (4, 6.0), (5, 2.0)]);
        let total: usize = quota.iter().sum();
        if total == 0 {
            *remaining = 0;
            return;
        }
        let mut x = self.rng.int(0, total as i32 - 1) as usize;
        let mut first = 0i32;
        for (a, q) in quota.iter().enumerate() {
            if x < *q {
                first = a as i32;
                break;
            }
            x -= *q;
        }
        let mut ages = vec![first];
        quota[first as usize] -= 1;
        if first <= 17 {
            *remaining = remaining.saturating_sub(1);
        }
        while ages.len() < want && *remaining > 0 {
            let gap = self.rng.pick(&[
                (1, 18.0),
                (2, 30.0),
                (3, 24.0),
                (4, 14.0),
                (5, 8.0),
                (6, 6.0),
            ]);
            let lo = ages.iter().copied().min().unwrap_or(0);
            let hi = ages.iter().copied().max().unwrap_or(0);
            let candidates = [lo - gap, hi + gap];
            let order = if self.rng.chance(0.5) { [0, 1] } else { [1, 0] };
            let mut placed = false;
            for o in order {
                let a = candidates[o];
                if (0..=max_age).contains(&a) && quota[a as usize] > 0 {
                    quota[a as usize] -= 1;
                    if a <= 17 {
                        *remaining = remaining.saturating_sub(1);
                    }
                    ages.push(a);
                    placed = true;
                    break;
                }
            }
            if !placed {
                break;
            }
        }
        ages.sort_unstable_by(|a, b| b.cmp(a));
        // Dates of birth within each age, at least ten months apart unless twins.
        let mut dobs: Vec<Day> = Vec::new();
        for &a in &ages {
            let lo = add_months(self.today, -12 * (a + 1)) + 1;
            let hi = add_months(self.today, -12 * a);
            let mut d = self.rng.int(lo, hi);
            for _ in 0..8 {
                if dobs.iter().all(|o| (o - d).abs() >= 300) {
                    break;
                }
                d = self.rng.int(lo, hi);
            }
            if let Some(&prev) = dobs.last()
                && self.rng.chance(0.015)
                && (lo..=hi).contains(&prev)
            {
                d = prev;
            }
            dobs.push(d);
        }
        let eldest = dobs.iter().copied().min().unwrap_or(self.today);
        let youngest = dobs.iter().copied().max().unwrap_or(self.today);
        // Mothers are 16 or over at their first child's birth and rarely under 18; fathers are
        // 18 or over, on average a few years older than the mothers.
        let mut mother_age = self.rng.normal() * 5.5 + 28.0 - 2.5 * f64::from(risk);
        if mother_age < 18.0 && self.rng.chance(0.85) {
            mother_age = 18.0 + self.rng.unit() * 4.0;
        }
        let mother_age = mother_age.clamp(16.0, 43.0);
        let mother_dob = eldest - (mother_age * 365.25) as i32;
        let father_age = (mother_age + self.rng.normal() * 3.0 + 2.5).max(18.0 + self.rng.unit());
        let father_dob = eldest - (father_age * 365.25) as i32;
        let formed = eldest - self.rng.int(30, 900);
        // Households spread over the localities, the first ones a little larger.
        let weights: Vec<(usize, f64)> = (0..self.localities)
            .map(|i| {
                (
                    i,
                    1.0 + 0.08 * ((self.localities - i) as f64) / self.localities as f64,
                )
            })
            .collect();
        let locality = self.rng.pick(&weights);

        let structure = {
            let couple = [55.0, 42.0, 30.0, 22.0][risk as usize];
            let lone_mother = [20.0, 28.0, 34.0, 36.0][risk as usize];
            let step = [11.0, 15.0, 19.0, 22.0][risk as usize];
            let kin = [1.5, 3.0, 5.0, 8.0][risk as usize];
            self.rng.pick(&[
                ("couple", couple),
                ("lone_mother", lone_mother),
                ("lone_father", 3.0),
                ("step", if ages.len() >= 2 { step } else { 0.0 }),
                ("kin", kin),
                ("extended", 5.0),
            ])
        };
        let father_family = names::family(&mut self.rng, h2).to_string();
        let mother_own = names::family(&mut self.rng, h1).to_string();
        let married = structure == "couple" && self.rng.chance(0.6);
        let mother_family = if married {
            father_family.clone()
        } else {
            mother_own.clone()
        };
        let mother = self.adult(h1, "F", &mother_family, mother_dob);
        if married && mother_own != father_family {
            let given = self.pop.people[mother].names[0].given.clone();
            self.pop.people[mother].names.push(PersonName {
                given,
                family: mother_own.clone(),
                kind: NameKind::Former,
            });
        }
        let language = self.pop.people[mother].language.unwrap_or("English");
        let mut members: Vec<(usize, Day, Option<Day>)> = Vec::new();
        let mut rel: Vec<(usize, usize, RelationshipKind)> = Vec::new();
        let child_eth = |b: &mut Self| {
            if h1 != h2 {
                Some(names::mixed_ethnicity(h1, h2))
            } else {
                let _ = b;
                None
            }
        };
        // Which children belong to which father: in step-families the older ones to a former
        // partner, the younger ones to the current one.
        let n = ages.len();
        let split = if structure == "step" {
            self.rng.int(1, n as i32 - 1) as usize
        } else {
            n
        };
        let second_father = structure == "lone_mother" && n >= 2 && self.rng.chance(0.12);
        let split = if second_father {
            self.rng.int(1, n as i32 - 1) as usize
        } else {
            split
        };
        let mut kids = Vec::new();
        let partner_family = names::family(&mut self.rng, h2).to_string();
        for (k, &dob) in dobs.iter().enumerate() {
            let fam =
                if structure == "couple" || structure == "extended" || structure == "lone_father" {
                    father_family.clone()
                } else if structure == "step" && k >= split {
                    partner_family.clone()
                } else if structure == "step" || structure == "lone_mother" {
                    if self.rng.chance(0.5) {
                        father_family.clone()
                    } else {
                        mother_family.clone()
                    }
                } else {
                    mother_family.clone()
                };
            let eth = child_eth(self);
            let heritage = if h1 != h2 && self.rng.chance(0.5) {
                h2
            } else {
                h1
            };
            let c = self.child(heritage, eth, &fam, dob, language);
            if structure == "step" && k < split && fam != mother_family && self.rng.chance(0.3) {
                // The child now uses the mother's name; the father's is a former name.
                let p = &mut self.pop.people[c];
                let given = p.names[0].given.clone();
                p.names[0].family = mother_family.clone();
                p.names.push(PersonName {
                    given,
                    family: fam.clone(),
                    kind: NameKind::Former,
                });
            }
            let to = if age(dob, self.today) >= 18 && self.rng.chance(0.45) {
                Some(self.rng.int(birthday(dob, 18), self.today))
            } else {
                None
            };
            members.push((c, dob, to));
            kids.push(c);
        }
        // Adults.
        let mut resident_adults = vec![mother];
        match structure {
            "kin" => {
                // Grandparents care for the children; the mother is recorded but lives apart.
                let gm_dob = mother_dob - self.rng.int(18, 30) * 365;
                let gm = self.adult(h1, "F", &mother_own, gm_dob);
                resident_adults = vec![gm];
                if self.rng.chance(0.5) {
                    let gf_dob = gm_dob - self.rng.int(0, 5) * 365;
                    let gf = self.adult(h1, "M", &mother_own, gf_dob);
                    resident_adults.push(gf);
                }
                for &c in &kids {
                    rel.push((mother, c, RelationshipKind::Parent));
                    for &a in &resident_adults {
                        rel.push((a, c, RelationshipKind::Carer));
                    }
                }
            }
            _ => {
                for &c in &kids {
                    rel.push((mother, c, RelationshipKind::Parent));
                }
            }
        }
        if structure == "lone_father" {
            // The father is the resident parent; the mother lives apart.
            let father = self.adult(h2, "M", &father_family, father_dob);
            resident_adults = vec![father];
            for &c in &kids {
                rel.push((father, c, RelationshipKind::Parent));
            }
        }
        if matches!(structure, "couple" | "extended") {
            let father = self.adult(h2, "M", &father_family, father_dob);
            resident_adults.push(father);
            for &c in &kids {
                rel.push((father, c, RelationshipKind::Parent));
            }
        }
        if structure == "lone_mother" || structure == "step" {
            // The children's father (or the older children's father) lives apart; recorded often.
            let first_kids = &kids[..split.min(kids.len())];
            if self.rng.chance(0.6) {
                let father = self.adult(h2, "M", &father_family, father_dob);
                for &c in first_kids {
                    rel.push((father, c, RelationshipKind::Parent));
                }
                // Some lived in the household until the parents separated.
                if self.rng.chance(0.35) {
                    let sep = self.rng.int(formed + 200, self.today.max(formed + 201));
                    members.push((father, formed, Some(sep.min(self.today))));
                    rel.push((mother, father, RelationshipKind::HouseholdMember));
                    rel.push((father, mother, RelationshipKind::HouseholdMember));
                }
            }
            if second_father || structure == "step" {
                let later = &kids[split.min(kids.len())..];
                let fam = if structure == "step" {
                    partner_family.clone()
                } else {
                    names::family(&mut self.rng, h2).to_string()
                };
                let first_later = dobs.get(split).copied().unwrap_or(youngest);
                let pd = (mother_dob - self.rng.int(-3, 6) * 365)
                    .min(first_later - (18.0 * 365.25) as i32 - self.rng.int(0, 400));
                let partner = self.adult(h2, "M", &fam, pd);
                for &c in later {
                    rel.push((partner, c, RelationshipKind::Parent));
                }
                if structure == "step" {
                    resident_adults.push(partner);
                    for &c in first_kids {
                        rel.push((partner, c, RelationshipKind::HouseholdMember));
                        rel.push((c, partner, RelationshipKind::HouseholdMember));
                    }
                }
            }
        }
        let mut others = Vec::new();
        if structure == "extended" || (structure != "kin" && self.rng.chance(0.04)) {
            // A grandparent, an uncle or aunt, or a lodger.
            let sex = if self.rng.chance(0.6) { "F" } else { "M" };
            let od = mother_dob - self.rng.int(-8, 28) * 365;
            let fam = if self.rng.chance(0.7) {
                mother_own.clone()
            } else {
                names::family(&mut self.rng, h1).to_string()
            };
            let o = self.adult(h1, sex, &fam, od);
            others.push(o);
        }
        for &a in &resident_adults {
            let from = if structure == "step" && Some(&a) == resident_adults.last() && a != mother {
                let first_younger = dobs.get(split).copied().unwrap_or(youngest);
                (first_younger - self.rng.int(200, 900)).max(eldest + 100)
            } else {
                formed
            };
            members.push((a, from, None));
        }
        for &o in &others {
            let from = self.rng.int(formed, self.today - 30);
            let to = if self.rng.chance(0.3) {
                Some(self.rng.int(from + 30, self.today))
            } else {
                None
            };
            members.push((o, from, to));
            for &a in &resident_adults {
                rel.push((o, a, RelationshipKind::HouseholdMember));
                rel.push((a, o, RelationshipKind::HouseholdMember));
            }
            for &c in &kids {
                rel.push((o, c, RelationshipKind::HouseholdMember));
                rel.push((c, o, RelationshipKind::HouseholdMember));
            }
        }
        for (i, &a) in resident_adults.iter().enumerate() {
            for &b in &resident_adults[i + 1..] {
                rel.push((a, b, RelationshipKind::HouseholdMember));
                rel.push((b, a, RelationshipKind::HouseholdMember));
            }
        }
        for (i, &a) in kids.iter().enumerate() {
            for &b in &kids[i + 1..] {
                rel.push((a, b, RelationshipKind::Sibling));
                rel.push((b, a, RelationshipKind::Sibling));
            }
        }
        // An expected baby, for families where a pregnancy is known about.
        let mother_age_now = age(mother_dob, self.today);
        if structure != "kin"
            && mother_age_now < 42
            && self.rng.chance(0.03 * [1.0, 1.3, 1.7, 2.2][risk as usize])
        {
            let due = self.today + self.rng.int(1, 150);
            let sex = "U";
            let fam = kids
                .last()
                .map(|&c| self.pop.people[c].names[0].family.clone())
                .unwrap_or_else(|| mother_family.clone());
            let u = self.person(PersonKind::Unborn, h1, sex, &fam, None);
            let p = &mut self.pop.people[u];
            p.expected = Some(due);
            p.conditional = true;
            p.upn_unknown = Some("UN1");
            p.names[0].given = "Unborn".to_string();
            members.push((u, due, None));
            rel.push((mother, u, RelationshipKind::Parent));
            for &c in &kids {
                rel.push((u, c, RelationshipKind::Sibling));
                rel.push((c, u, RelationshipKind::Sibling));
            }
            kids.push(u);
        }
        // Addresses: where the family lived from when it formed, with moves.
        let mut addresses = Vec::new();
        let mut loc = locality;
        let mut start = formed.min(self.today - 365 * (self.cfg.years as i32 + 1));
        let rate = [0.08, 0.12, 0.2, 0.3][risk as usize];
        loop {
            let place = self.places.address(&mut self.rng, loc);
            let stay = self.rng.exponential(365.25 / rate) as i32 + 60;
            let end = start + stay;
            if end >= self.today {
                addresses.push((place, start, None));
                break;
            }
            addresses.push((place, start, Some(end)));
            start = end;
            if self.rng.chance(0.25) {
                loc = self.rng.int(0, self.localities as i32 - 1) as usize;
            }
        }
        self.pop.relationships.extend(rel);
        self.pop.households.push(HouseholdDraft {
            members,
            addresses,
            risk,
            children: kids,
        });
    }

    fn uasc(&mut self, window_start: Day) -> usize {
        let per_year = self.cfg.children as f64 / 10_000.0 * 4.0;
        let from = window_start - 4 * 365;
        let years = f64::from(self.today - from) / 365.25;
        let n = (per_year * years).round() as usize;
        let mut under_18_today = 0;
        for _ in 0..n {
            let arrival = self.rng.int(from, self.today);
            let a = self
                .rng
                .pick(&[(14, 8.0), (15, 20.0), (16, 40.0), (17, 32.0)]);
            let dob = arrival - a * 365 - self.rng.int(0, 364);
            let h = self.rng.pick(&[
                (Heritage::Afghan, 30.0),
                (Heritage::Eritrean, 22.0),
                (Heritage::Arabic, 15.0),
                (Heritage::Kurdish, 14.0),
                (Heritage::Somali, 7.0),
                (Heritage::Vietnamese, 6.0),
                (Heritage::BlackAfrican, 6.0),
            ]);
            let sex = if self.rng.chance(0.92) { "M" } else { "F" };
            let fam = names::family(&mut self.rng, h).to_string();
            let kind = if age(dob, self.today) >= 18 {
                PersonKind::Adult
            } else {
                PersonKind::Child
            };
            if kind == PersonKind::Child {
                under_18_today += 1;
            }
            let i = self.person(kind, h, sex, &fam, Some(dob));
            let lang = names::language(&mut self.rng, h);
            let nhs = if self.rng.chance(0.9) {
                self.nhs.next()
            } else {
                None
            };
            let p = &mut self.pop.people[i];
            p.uasc = true;
            p.conditional = true;
            p.language = Some(if lang == "English" { "Arabic" } else { lang });
            p.upn_unknown = Some("UN2");
            p.nhs = nhs;
            self.pop.uasc.push((i, arrival));
        }
        under_18_today
    }
}

/// Draws the population for a config.
pub fn populate(cfg: &SynthConfig, places: &Places, localities: usize) -> Population {
    let today = day(cfg.today);
    let mut b = Builder {
        rng: stream(cfg.seed, 0x4641_4d49, 0, 0),
        cfg,
        places,
        today,
        pop: Population::default(),
        nhs: NhsSource {
            k: 0,
            offset: cfg.seed % 1_000_000,
        },
        upns: UpnSource {
            serials: std::collections::BTreeMap::new(),
        },
        localities: localities.max(1),
    };
    let window_start = add_months(today, -12 * cfg.years as i32);
    let uasc_children = b.uasc(window_start);
    let target = cfg.children.saturating_sub(uasc_children);
    let max_age = 17 + cfg.years as usize;
    let base = target / 18;
    let extra = target % 18;
    let mut quota: Vec<usize> = (0..=max_age)
        .map(|a| {
            if a <= 17 {
                base + usize::from(a < extra)
            } else {
                (base as f64 * 0.96) as usize
            }
        })
        .collect();
    let mut remaining = target;
    while remaining > 0 {
        b.household(&mut quota, &mut remaining);
    }
    b.pop
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn exactly_the_configured_children_are_aged_0_to_17() {
        let mut cfg = SynthConfig::new(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default());
        cfg.children = 3_000;
        let places = Places::new(cfg.seed, 4, cfg.children);
        let pop = populate(&cfg, &places, 4);
        let today = day(cfg.today);
        let kids = pop
            .people
            .iter()
            .filter(|p| p.dob.is_some_and(|d| (0..=17).contains(&age(d, today))))
            .count();
        assert_eq!(kids, 3_000);
        for p in &pop.people {
            if let Some(n) = &p.nhs {
                assert!(n.as_str().starts_with("999"));
            }
            if let Some(u) = &p.upn {
                assert_eq!(&u.as_str()[1..4], "990");
            }
        }
    }
}
