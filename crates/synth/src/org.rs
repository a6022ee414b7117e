//! The organisation: the fictional authority, its localities (hubs), its teams and the workers
//! in them. Teams are laid out before the journeys are simulated (so allocations can name a
//! team); workers are hired afterwards, enough of them for each team's caseload on `today` to
//! sit near the national average, and allocations are then resolved to named workers.

use stepwise_domain::ids::{LocalityId, TeamId, WorkerId};
use stepwise_domain::org::{Authority, Employment, Locality, Team, TeamKind, Worker, WorkerRole};

use crate::dist::{Draw, stream};
use crate::names::{self, HERITAGE_MIX};

/// Children per full-time case-holding social worker that staffing aims for.
pub const SOCIAL_WORKER_CASELOAD: f64 = 17.5;
/// Children per full-time early help keyworker that staffing aims for.
pub const KEYWORKER_CASELOAD: f64 = 17.0;
/// Young people per full-time personal adviser that staffing aims for.
pub const ADVISER_CASELOAD: f64 = 21.0;
/// The share of social workers employed through agencies.
pub const AGENCY_RATE: f64 = 0.16;

/// The teams of the authority, grouped by what they do.
#[derive(Debug, Clone)]
pub struct TeamPlan {
    pub teams: Vec<Team>,
    /// Early help teams of each locality (0-based locality index).
    pub early_help: Vec<Vec<TeamId>>,
    /// Child in need and child protection teams of each locality.
    pub cin_cp: Vec<Vec<TeamId>>,
    pub assessment: Vec<TeamId>,
    pub children_in_care: Vec<TeamId>,
    pub care_leavers: Vec<TeamId>,
    pub front_door: TeamId,
}

fn pick_team(teams: &[TeamId], draw: u32) -> TeamId {
    if teams.is_empty() {
        TeamId(1)
    } else {
        teams[draw as usize % teams.len()]
    }
}

impl TeamPlan {
    /// The authority, its localities and its teams for a config.
    pub fn new(localities: &[String], children: usize) -> (Authority, Vec<Locality>, Self) {
        let authority = Authority {
            name: "Wrenmoor Borough Council".to_string(),
            la_code: "990".to_string(),
            area_word: "hub".to_string(),
        };
        let names: Vec<String> = if localities.is_empty() {
            vec!["Central Hub".to_string()]
        } else {
            localities.to_vec()
        };
        let locs: Vec<Locality> = names
            .iter()
            .enumerate()
            .map(|(i, n)| Locality {
                id: LocalityId(i as i64 + 1),
                name: n.clone(),
            })
            .collect();
        let per_locality = children as f64 / names.len() as f64;
        let count = |per: f64, base: f64| ((per / base).round() as usize).max(1);
        let mut teams = Vec::new();
        let mut add = |name: String, kind: TeamKind, locality: Option<LocalityId>| {
            let id = TeamId(teams.len() as i64 + 1);
            teams.push(Team {
                id,
                name,
                kind,
                locality,
            });
            id
        };
        let numbered = |base: &str, n: usize, i: usize| {
            if n == 1 {
                base.to_string()
            } else {
                format!("{base} {}", i + 1)
            }
        };
        let front_door = add("Front Door (MASH)".to_string(), TeamKind::FrontDoor, None);
        let mut early_help = Vec::new();
        let mut cin_cp = Vec::new();
        for l in &locs {
            let n_eh = count(per_locality, 7_500.0);
            let n_cp = count(per_locality, 7_500.0);
            early_help.push(
                (0..n_eh)
                    .map(|i| {
                        add(
                            numbered(&format!("{} Early Help Team", l.name), n_eh, i),
                            TeamKind::EarlyHelp,
                            Some(l.id),
                        )
                    })
                    .collect::<Vec<_>>(),
            );
            cin_cp.push(
                (0..n_cp)
                    .map(|i| {
                        add(
                            numbered(
                                &format!("{} Child in Need and Protection Team", l.name),
                                n_cp,
                                i,
                            ),
                            TeamKind::ChildInNeedProtection,
                            Some(l.id),
                        )
                    })
                    .collect::<Vec<_>>(),
            );
        }
        let all = children as f64;
        let n_as = count(all, 20_000.0);
        let assessment = (0..n_as)
            .map(|i| {
                add(
                    numbered("Assessment Team", n_as, i),
                    TeamKind::Assessment,
                    None,
                )
            })
            .collect();
        let n_cic = count(all, 20_000.0);
        let children_in_care = (0..n_cic)
            .map(|i| {
                add(
                    numbered("Children in Care Team", n_cic, i),
                    TeamKind::ChildrenInCare,
                    None,
                )
            })
            .collect();
        let n_cl = count(all, 40_000.0);
        let care_leavers = (0..n_cl)
            .map(|i| {
                add(
                    numbered("Care Leavers Team", n_cl, i),
                    TeamKind::CareLeavers,
                    None,
                )
            })
            .collect();
        add(
            "Fostering and Adoption Team".to_string(),
            TeamKind::FosteringAdoption,
            None,
        );
        add(
            "Quality Assurance and Reviewing Team".to_string(),
            TeamKind::QualityAssurance,
            None,
        );
        (
            authority,
            locs,
            Self {
                teams,
                early_help,
                cin_cp,
                assessment,
                children_in_care,
                care_leavers,
                front_door,
            },
        )
    }

    /// An early help team in a locality.
    pub fn early_help_team(&self, locality: usize, draw: u32) -> TeamId {
        pick_team(
            self.early_help
                .get(locality)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            draw,
        )
    }
    /// A child in need and protection team in a locality.
    pub fn cin_cp_team(&self, locality: usize, draw: u32) -> TeamId {
        pick_team(
            self.cin_cp.get(locality).map(Vec::as_slice).unwrap_or(&[]),
            draw,
        )
    }
    /// An assessment team.
    pub fn assessment_team(&self, draw: u32) -> TeamId {
        pick_team(&self.assessment, draw)
    }
    /// A children in care team.
    pub fn children_in_care_team(&self, draw: u32) -> TeamId {
        pick_team(&self.children_in_care, draw)
    }
    /// A care leavers team.
    pub fn care_leavers_team(&self, draw: u32) -> TeamId {
        pick_team(&self.care_leavers, draw)
    }
}

/// What staffing needs to know about the work on `today`.
#[derive(Debug, Clone, Default)]
pub struct Workload {
    /// Children allocated on `today`, by team (index = team id - 1).
    pub allocated: Vec<usize>,
    pub contacts_per_year: f64,
    pub looked_after: usize,
    pub reviews_load: usize,
}

/// The workers and the look-ups that resolve allocations to them.
#[derive(Debug, Clone, Default)]
pub struct Staff {
    pub workers: Vec<Worker>,
    /// Case holders of each team with cumulative FTE, for weighted choice.
    holders: Vec<Vec<(WorkerId, f64)>>,
    managers: Vec<WorkerId>,
    front_door: Vec<WorkerId>,
    iros: Vec<WorkerId>,
}

impl Staff {
    /// Hires enough workers for the workload.
    pub fn hire(seed: u64, plan: &TeamPlan, load: &Workload) -> Self {
        let mut rng = stream(seed, 0x5354_4146, 0, 0);
        let mut s = Staff {
            holders: vec![Vec::new(); plan.teams.len()],
            managers: vec![WorkerId(0); plan.teams.len()],
            ..Self::default()
        };
        let mut registration = 100_000 + rng.int(0, 400_000) as u32;
        // Agency workers are hired to keep their share of social worker FTE at the rate.
        let mut fte_all = 0.0f64;
        let mut fte_agency = 0.0f64;
        let mut agency_next = |rng: &mut rand_chacha::ChaCha8Rng| {
            let agency = fte_agency < AGENCY_RATE * (fte_all + 1.0) - 0.5 + rng.unit();
            let fte = if agency {
                1.0
            } else {
                rng.pick(&[(1.0, 70.0), (0.8, 15.0), (0.6, 10.0), (0.5, 5.0)])
            };
            fte_all += fte;
            if agency {
                fte_agency += fte;
            }
            (agency, fte)
        };
        let mut hire = |s: &mut Staff,
                        rng: &mut rand_chacha::ChaCha8Rng,
                        team: TeamId,
                        role: WorkerRole,
                        fte: f64,
                        agency: bool| {
            let id = WorkerId(s.workers.len() as i64 + 1);
            let h = rng.pick(HERITAGE_MIX);
            let sex = if rng.chance(0.82) { "F" } else { "M" };
            let name = format!("{} {}", names::given(rng, h, sex), names::family(rng, h));
            let registered = match role {
                WorkerRole::SocialWorker
                | WorkerRole::SeniorPractitioner
                | WorkerRole::TeamManager
                | WorkerRole::IndependentReviewingOfficer
                | WorkerRole::ServiceManager => true,
                WorkerRole::FrontDoorPractitioner => rng.chance(0.6),
                WorkerRole::PersonalAdviser => rng.chance(0.1),
                WorkerRole::EarlyHelpKeyworker => rng.chance(0.05),
            };
            let registration_no = if registered {
                registration += rng.int(1, 97) as u32;
                Some(format!("SW{:06}", registration % 1_000_000))
            } else {
                None
            };
            s.workers.push(Worker {
                id,
                name,
                role,
                team,
                employment: if agency {
                    Employment::Agency
                } else {
                    Employment::Permanent
                },
                fte,
                registration: registration_no,
            });
            id
        };
        let permanent_fte = |rng: &mut rand_chacha::ChaCha8Rng| {
            rng.pick(&[(1.0, 70.0), (0.8, 15.0), (0.6, 10.0), (0.5, 5.0)])
        };
        for team in &plan.teams {
            let ti = (team.id.0 - 1) as usize;
            let load_here = load.allocated.get(ti).copied().unwrap_or(0) as f64;
            let manager = hire(
                &mut s,
                &mut rng,
                team.id,
                WorkerRole::TeamManager,
                1.0,
                false,
            );
            s.managers[ti] = manager;
            let (role, caseload) = match team.kind {
                TeamKind::EarlyHelp => (WorkerRole::EarlyHelpKeyworker, KEYWORKER_CASELOAD),
                TeamKind::CareLeavers => (WorkerRole::PersonalAdviser, ADVISER_CASELOAD),
                TeamKind::Assessment
                | TeamKind::ChildInNeedProtection
                | TeamKind::ChildrenInCare => (WorkerRole::SocialWorker, SOCIAL_WORKER_CASELOAD),
                TeamKind::FrontDoor => {
                    let n = ((load.contacts_per_year / 1_100.0).round() as usize).max(3);
                    for i in 0..n {
                        let fte = permanent_fte(&mut rng);
                        let id = hire(
                            &mut s,
                            &mut rng,
                            team.id,
                            WorkerRole::FrontDoorPractitioner,
                            fte,
                            i % 9 == 8,
                        );
                        s.front_door.push(id);
                    }
                    continue;
                }
                TeamKind::QualityAssurance => {
                    let n = ((load.reviews_load as f64 / 65.0).round() as usize).max(2);
                    for _ in 0..n {
                        let fte = permanent_fte(&mut rng);
                        let id = hire(
                            &mut s,
                            &mut rng,
                            team.id,
                            WorkerRole::IndependentReviewingOfficer,
                            fte,
                            false,
                        );
                        s.iros.push(id);
                    }
                    continue;
                }
                TeamKind::FosteringAdoption => {
                    let n = ((load.looked_after as f64 / 22.0).round() as usize).max(2);
                    for _ in 0..n {
                        let (agency, fte) = agency_next(&mut rng);
                        hire(
                            &mut s,
                            &mut rng,
                            team.id,
                            WorkerRole::SocialWorker,
                            fte,
                            agency,
                        );
                    }
                    continue;
                }
            };
            let needed = (load_here / caseload).max(1.5);
            let mut fte_sum = 0.0;
            let mut i = 0usize;
            while fte_sum + 0.3 < needed || i < 2 {
                let social = role == WorkerRole::SocialWorker;
                let (agency, fte) = if social {
                    agency_next(&mut rng)
                } else {
                    (false, permanent_fte(&mut rng))
                };
                let r = if social && i % 6 == 1 {
                    WorkerRole::SeniorPractitioner
                } else {
                    role
                };
                let id = hire(&mut s, &mut rng, team.id, r, fte, agency);
                fte_sum += fte;
                s.holders[ti].push((id, fte_sum));
                i += 1;
            }
        }
        // Service managers sit over early help, safeguarding and corporate parenting.
        let over = [
            plan.early_help.first().and_then(|v| v.first()).copied(),
            Some(plan.front_door),
            plan.children_in_care.first().copied(),
        ];
        for t in over.into_iter().flatten() {
            hire(&mut s, &mut rng, t, WorkerRole::ServiceManager, 1.0, false);
        }
        s
    }

    /// A case holder in a team, chosen by FTE with `draw`, avoiding `avoid` where possible.
    pub fn holder(&self, team: TeamId, draw: u32, avoid: Option<WorkerId>) -> WorkerId {
        let Some(list) = self.holders.get((team.0 - 1).max(0) as usize) else {
            return WorkerId(1);
        };
        let Some(&(_, total)) = list.last() else {
            return self.manager(team);
        };
        let x = f64::from(draw) / f64::from(u32::MAX) * total;
        let mut i = list
            .iter()
            .position(|(_, c)| x < *c)
            .unwrap_or(list.len() - 1);
        if Some(list[i].0) == avoid && list.len() > 1 {
            i = (i + 1) % list.len();
        }
        list[i].0
    }

    /// The manager of a team.
    pub fn manager(&self, team: TeamId) -> WorkerId {
        self.managers
            .get((team.0 - 1).max(0) as usize)
            .copied()
            .filter(|w| w.0 > 0)
            .unwrap_or(WorkerId(1))
    }

    /// A front-door practitioner.
    pub fn front_door(&self, draw: u32) -> WorkerId {
        if self.front_door.is_empty() {
            WorkerId(1)
        } else {
            self.front_door[draw as usize % self.front_door.len()]
        }
    }

    /// An independent reviewing officer (who also chairs conferences).
    pub fn iro(&self, draw: u32) -> WorkerId {
        if self.iros.is_empty() {
            WorkerId(1)
        } else {
            self.iros[draw as usize % self.iros.len()]
        }
    }
}
