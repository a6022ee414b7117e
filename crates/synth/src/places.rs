//! Places: the invented geography of the synthetic authority. Each locality (hub) has postcode
//! districts in the invented `QH` area (no real UK postcode area starts with Q), neighbourhoods
//! and streets; addresses are a house number on an invented street. Placements outside the
//! authority use other invented areas (`QX`, `QY`, `QZ`). Registered settings (children's homes,
//! supported accommodation, secure homes, residential schools, family centres) are a fixed pool
//! with invented Ofsted URNs, so several children can live in the same home.

use rand_chacha::ChaCha8Rng;
use stepwise_domain::ids::{LocalityId, Postcode};

use crate::dist::{Draw, stream};

const NEIGHBOURHOODS: &[&str] = &[
    "Ashcombe",
    "Brindley Green",
    "Carrow End",
    "Dunmere",
    "Elmstead",
    "Fallowfield Park",
    "Greyfriars",
    "Hollin Bank",
    "Ivybridge Vale",
    "Jessop's Wharf",
    "Kingsmere",
    "Larkhill",
    "Marlow Heath",
    "Netherby",
    "Oakhurst",
    "Pennock",
    "Quarry Bank",
    "Redwater",
    "Saltmoor",
    "Thornaby Fields",
    "Upperdale",
    "Velmont",
    "Westbrook",
    "Yarrowby",
    "Alderholt",
    "Beckside",
    "Colebrook",
    "Drayhill",
    "Eastfold",
    "Foxcote",
    "Gorsey Lane",
    "Hartwell",
];

const STREET_STEMS: &[&str] = &[
    "Acacia",
    "Alder",
    "Badger",
    "Beech",
    "Birch",
    "Bluebell",
    "Bramble",
    "Brook",
    "Canal",
    "Castle",
    "Cedar",
    "Chapel",
    "Cherry",
    "Church",
    "Clover",
    "Coronation",
    "Cromwell",
    "Daisy",
    "Elm",
    "Falcon",
    "Fern",
    "Field",
    "Foundry",
    "Garden",
    "Glebe",
    "Granary",
    "Hawthorn",
    "Hazel",
    "Heather",
    "Holly",
    "Jubilee",
    "Juniper",
    "Kestrel",
    "Laburnum",
    "Larch",
    "Lilac",
    "Linden",
    "Maple",
    "Meadow",
    "Mill",
    "Moorland",
    "Nightingale",
    "Orchard",
    "Osprey",
    "Park",
    "Pine",
    "Poplar",
    "Primrose",
    "Queensway",
    "Railway",
    "Raven",
    "Rowan",
    "School",
    "Sorrel",
    "Spinney",
    "Station",
    "Sycamore",
    "Tannery",
    "Thistle",
    "Victoria",
    "Weaver",
    "Willow",
    "Windmill",
    "Wren",
    "Yew",
];

const STREET_KINDS: &[&str] = &[
    "Road", "Street", "Close", "Avenue", "Way", "Gardens", "Crescent", "Lane", "Drive", "Grove",
    "Terrace", "Walk", "Place", "Rise", "View",
];

const BLOCKS: &[&str] = &[
    "Linden Court",
    "Harbour House",
    "Millstone Court",
    "Beacon Heights",
    "Foxglove House",
    "Weaver's Court",
    "Canal View",
    "Tannery Mews",
    "St Aldric's Court",
    "Kestrel House",
];

/// Letters used in the inward code (the real set: no C, I, K, M, O or V).
const INWARD: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// An invented address in the authority or outside it.
#[derive(Debug, Clone)]
pub struct Place {
    pub line1: String,
    pub town: String,
    pub postcode: Postcode,
    pub locality: LocalityId,
}

/// A registered setting with an Ofsted URN.
#[derive(Debug, Clone)]
pub struct Setting {
    pub urn: String,
    pub postcode: Postcode,
    pub provider: &'static str,
}

/// The kinds of registered setting in the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    ChildrensHome,
    Supported,
    Secure,
    ResidentialSchool,
    FamilyCentre,
}

/// The authority's geography and its pool of registered settings.
pub struct Places {
    localities: usize,
    homes: Vec<Setting>,
    supported: Vec<Setting>,
    secure: Vec<Setting>,
    schools: Vec<Setting>,
    family_centres: Vec<Setting>,
}

fn postcode(outward: &str, digit: u32, a: u8, b: u8) -> Postcode {
    // The parts are drawn from valid alphabets, so the first candidate always parses; the
    // loop keeps the function total without unwrap.
    let mut candidate = format!("{outward} {digit}{}{}", a as char, b as char);
    loop {
        match Postcode::parse(&candidate) {
            Ok(p) => return p,
            Err(_) => candidate = "QH1 1AA".to_string(),
        }
    }
}

impl Places {
    /// The geography for `localities` hubs, with a pool of settings scaled to `children`.
    pub fn new(seed: u64, localities: usize, children: usize) -> Self {
        let mut rng = stream(seed, 0x504c_4143, 0, 0);
        let scale = (children as f64 / 60_000.0).max(0.05);
        let n = |base: f64| ((base * scale).round() as usize).max(2);
        let mut me = Self {
            localities: localities.max(1),
            homes: Vec::new(),
            supported: Vec::new(),
            secure: Vec::new(),
            schools: Vec::new(),
            family_centres: Vec::new(),
        };
        let mut urn = 100_000 + rng.int(0, 50_000) as u32;
        let mut make = |rng: &mut ChaCha8Rng,
                        me: &Places,
                        count: usize,
                        providers: &[(&'static str, f64)],
                        local: f64| {
            (0..count)
                .map(|_| {
                    urn += rng.int(7, 400) as u32;
                    let postcode = if rng.chance(local) {
                        let loc = rng.int(0, me.localities as i32 - 1) as usize;
                        me.local_postcode(rng, loc)
                    } else {
                        me.away_postcode(rng)
                    };
                    Setting {
                        urn: format!("SC{urn:06}"),
                        postcode,
                        provider: rng.pick(providers),
                    }
                })
                .collect::<Vec<_>>()
        };
        me.homes = make(
            &mut rng,
            &me,
            n(45.0),
            &[("PR4", 78.0), ("PR1", 14.0), ("PR5", 8.0)],
            0.4,
        );
        me.supported = make(
            &mut rng,
            &me,
            n(22.0),
            &[("PR4", 70.0), ("PR5", 20.0), ("PR1", 10.0)],
            0.6,
        );
        me.secure = make(&mut rng, &me, n(3.0), &[("PR2", 70.0), ("PR3", 30.0)], 0.0);
        me.schools = make(&mut rng, &me, n(5.0), &[("PR4", 80.0), ("PR5", 20.0)], 0.2);
        me.family_centres = make(&mut rng, &me, n(4.0), &[("PR4", 60.0), ("PR3", 40.0)], 0.3);
        me
    }

    /// The postcode districts of a locality (0-based): four per locality.
    fn district(&self, locality: usize, k: usize) -> String {
        let n = locality * 4 + k + 1;
        if n <= 99 {
            format!("QH{n}")
        } else {
            format!("QJ{}", n - 99)
        }
    }

    /// An invented postcode in a locality.
    pub fn local_postcode<R: Draw>(&self, rng: &mut R, locality: usize) -> Postcode {
        let k = rng.int(0, 3) as usize;
        let d = self.district(locality, k);
        postcode(&d, rng.int(1, 9) as u32, rng.one(INWARD), rng.one(INWARD))
    }

    /// An invented postcode outside the authority.
    pub fn away_postcode<R: Draw>(&self, rng: &mut R) -> Postcode {
        let area = rng.one(&["QX", "QY", "QZ", "QW"]);
        let d = format!("{area}{}", rng.int(1, 24));
        postcode(&d, rng.int(1, 9) as u32, rng.one(INWARD), rng.one(INWARD))
    }

    /// The name of a neighbourhood in a locality.
    pub fn neighbourhood<R: Draw>(&self, rng: &mut R, locality: usize) -> &'static str {
        let per = (NEIGHBOURHOODS.len() / self.localities).max(1);
        let i = (locality * per + rng.int(0, per as i32 - 1) as usize) % NEIGHBOURHOODS.len();
        NEIGHBOURHOODS[i]
    }

    /// A new invented home address in a locality (0-based).
    pub fn address<R: Draw>(&self, rng: &mut R, locality: usize) -> Place {
        let street = format!("{} {}", rng.one(STREET_STEMS), rng.one(STREET_KINDS));
        let line1 = if rng.chance(0.22) {
            format!("Flat {}, {}", rng.int(1, 48), rng.one(BLOCKS))
        } else {
            format!("{} {}", rng.int(1, 180), street)
        };
        Place {
            line1,
            town: self.neighbourhood(rng, locality).to_string(),
            postcode: self.local_postcode(rng, locality),
            locality: LocalityId(locality as i64 + 1),
        }
    }

    /// A registered setting of a kind, chosen at random from the pool.
    pub fn setting<R: Draw>(&self, rng: &mut R, kind: SettingKind) -> Option<&Setting> {
        let pool = match kind {
            SettingKind::ChildrensHome => &self.homes,
            SettingKind::Supported => &self.supported,
            SettingKind::Secure => &self.secure,
            SettingKind::ResidentialSchool => &self.schools,
            SettingKind::FamilyCentre => &self.family_centres,
        };
        if pool.is_empty() {
            None
        } else {
            Some(&pool[rng.int(0, pool.len() as i32 - 1) as usize])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_valid_and_invented() {
        let p = Places::new(5, 4, 60_000);
        let mut r = stream(5, 1, 0, 0);
        for loc in 0..4 {
            let a = p.address(&mut r, loc);
            assert!(a.postcode.as_str().starts_with("QH"));
            assert!(Postcode::parse(a.postcode.as_str()).is_ok());
        }
        let away = p.away_postcode(&mut r);
        assert!(away.as_str().starts_with('Q'));
        let s = p
            .setting(&mut r, SettingKind::ChildrensHome)
            .map(|s| s.urn.clone());
        assert!(s.is_some_and(|u| u.starts_with("SC") && u.len() == 8));
    }
}
