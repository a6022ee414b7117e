//! The organisation as stored: the authority, localities, teams, workers, and caseloads
//! computed from the children's projections.

use std::collections::HashMap;

use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::ids::{LocalityId, TeamId, WorkerId};
use stepwise_domain::org::{Authority, Employment, Locality, Team, TeamKind, Worker, WorkerRole};
use stepwise_domain::projection::ChildState;
use stepwise_domain::timescales::{Timescales, due_items};

use crate::StoreError;
use crate::events::{STATE_COLUMNS, state_from_row};
use crate::sql::Col;

/// A worker with their caseload.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerCaseload {
    pub worker: Worker,
    /// Children allocated to the worker with something open.
    pub children: i64,
    /// Caseload weighted by complexity: child protection and looked-after children count
    /// more than child in need or early help (weights in `caseload_weight`).
    pub weighted: f64,
    /// Children with at least one overdue item.
    pub overdue: i64,
}

/// A team with its workers and what is unallocated.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamSummary {
    pub team: Team,
    pub locality: Option<String>,
    pub workers: Vec<WorkerCaseload>,
    /// Open children held by the team with no allocated worker.
    pub unallocated: i64,
}

/// The weight a child adds to a caseload: looked after 1.5, child protection 1.5, child in
/// need 1.0, early help or care leaver 0.75. A local choice; the defaults are common ones.
pub fn caseload_weight(s: &ChildState) -> f64 {
    if s.cp_plan.is_some() || s.looked_after.is_some() {
        1.5
    } else if s.referral.is_some() {
        1.0
    } else {
        0.75
    }
}

/// The authority's teams and workers, read once and kept for every request after. They change
/// only when an authority is loaded (`bulk_load`, which clears the cache); a council that
/// changed its structure by hand in the database would restart Stepwise to see it.
#[derive(Debug, Default)]
pub(crate) struct OrgCache {
    teams: Vec<Team>,
    workers: HashMap<i64, Worker>,
}

impl crate::Store {
    /// Forgets the kept teams and workers, so the next request reads them again.
    pub(crate) fn forget_organisation(&self) {
        *self.org_cache.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

fn worker_from_row(r: &sqlx::any::AnyRow) -> Result<Worker, StoreError> {
    Ok(Worker {
        id: WorkerId(r.i64("id")?),
        name: r.text("name")?,
        role: WorkerRole::parse(&r.text("role")?)
            .ok_or_else(|| StoreError::corrupt("worker role"))?,
        team: TeamId(r.i64("team_id")?),
        employment: if r.text("employment")? == "agency" {
            Employment::Agency
        } else {
            Employment::Permanent
        },
        fte: r.f64("fte")?,
        registration: r.opt_text("registration")?,
    })
}

fn team_from_row(r: &sqlx::any::AnyRow) -> Result<Team, StoreError> {
    Ok(Team {
        id: TeamId(r.i64("id")?),
        name: r.text("name")?,
        kind: TeamKind::parse(&r.text("kind")?).ok_or_else(|| StoreError::corrupt("team kind"))?,
        locality: r.opt_i64("locality_id")?.map(LocalityId),
    })
}

impl crate::Organisation<'_> {
    /// The authority, once the database holds one.
    pub async fn authority(&self) -> Result<Option<Authority>, StoreError> {
        sqlx::query("SELECT name, la_code, area_word FROM authority WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|r| {
                Ok(Authority {
                    name: r.text("name")?,
                    la_code: r.text("la_code")?,
                    area_word: r.text("area_word")?,
                })
            })
            .transpose()
    }

    /// Every locality.
    pub async fn localities(&self) -> Result<Vec<Locality>, StoreError> {
        sqlx::query("SELECT id, name FROM localities ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Locality {
                    id: LocalityId(r.i64("id")?),
                    name: r.text("name")?,
                })
            })
            .collect()
    }

    /// The teams and workers as kept, read from the database the first time.
    async fn cached(&self) -> Result<std::sync::Arc<OrgCache>, StoreError> {
        if let Some(c) = self
            .org_cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            return Ok(c);
        }
        let teams = sqlx::query("SELECT id, name, kind, locality_id FROM teams ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(team_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let workers = sqlx::query(
            "SELECT id, name, role, team_id, employment, fte, registration FROM workers",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| worker_from_row(r).map(|w| (w.id.0, w)))
        .collect::<Result<HashMap<_, _>, _>>()?;
        let c = std::sync::Arc::new(OrgCache { teams, workers });
        *self.org_cache.write().unwrap_or_else(|e| e.into_inner()) = Some(c.clone());
        Ok(c)
    }

    /// Every team.
    pub async fn teams(&self) -> Result<Vec<Team>, StoreError> {
        Ok(self.cached().await?.teams.clone())
    }

    /// One team, if it exists.
    pub async fn team(&self, id: TeamId) -> Result<Option<Team>, StoreError> {
        Ok(self
            .cached()
            .await?
            .teams
            .iter()
            .find(|t| t.id == id)
            .cloned())
    }

    /// One worker, if they exist.
    pub async fn worker(&self, id: WorkerId) -> Result<Option<Worker>, StoreError> {
        Ok(self.cached().await?.workers.get(&id.0).cloned())
    }

    /// Workers by key.
    pub async fn workers(&self) -> Result<HashMap<i64, Worker>, StoreError> {
        Ok(self.cached().await?.workers.clone())
    }

    /// One team with its workers' caseloads, what is overdue and what is unallocated. The
    /// figures sit beside the team's list of children, so they follow the access policy's one
    /// rule too: a sealed child the reader may not see is not counted, and a restricted child
    /// the reader may see by name only is counted neither against a worker nor as unallocated
    /// (either would say who holds them).
    pub async fn team_summary(
        &self,
        reader: &crate::records::Reader<'_>,
        team: TeamId,
        today: chrono::NaiveDate,
        cal: &WorkingDayCalendar,
    ) -> Result<Option<TeamSummary>, StoreError> {
        let Some(t) = sqlx::query("SELECT id, name, kind, locality_id FROM teams WHERE id = $1")
            .bind(team.0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| team_from_row(&r))
            .transpose()?
        else {
            return Ok(None);
        };
        let locality = match t.locality {
            Some(l) => sqlx::query("SELECT name FROM localities WHERE id = $1")
                .bind(l.0)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.text("name"))
                .transpose()?,
            None => None,
        };
        let workers: Vec<Worker> = sqlx::query("SELECT id, name, role, team_id, employment, fte, registration FROM workers WHERE team_id = $1 ORDER BY name")
            .bind(team.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(worker_from_row)
            .collect::<Result<_, _>>()?;
        let states: Vec<ChildState> = sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM child_state WHERE team_id = $1 AND is_open = 1"
        ))
        .bind(team.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(state_from_row)
        .collect::<Result<_, _>>()?;
        let shown = self
            .people()
            .disclosure_map(
                reader,
                &states.iter().map(|s| s.child.0).collect::<Vec<_>>(),
            )
            .await?;
        let t_scales = Timescales::default();
        let mut by_worker: HashMap<i64, (i64, f64, i64)> = HashMap::new();
        let mut unallocated = 0;
        for s in &states {
            if !shown.get(&s.child.0).is_some_and(|d| d.full()) {
                continue;
            }
            let overdue = due_items(s, cal, &t_scales)
                .iter()
                .any(|d| d.overdue_on(today));
            match s.allocated.as_ref() {
                Some(a) => {
                    let e = by_worker.entry(a.worker.0).or_default();
                    e.0 += 1;
                    e.1 += caseload_weight(s);
                    e.2 += i64::from(overdue);
                }
                None => unallocated += 1,
            }
        }
        let workers = workers
            .into_iter()
            .map(|w| {
                let (children, weighted, overdue) =
                    by_worker.get(&w.id.0).copied().unwrap_or_default();
                WorkerCaseload {
                    worker: w,
                    children,
                    weighted,
                    overdue,
                }
            })
            .collect();
        Ok(Some(TeamSummary {
            team: t,
            locality,
            workers,
            unallocated,
        }))
    }

    /// Open children per team, for the teams index.
    pub async fn team_counts(&self) -> Result<HashMap<i64, (i64, i64)>, StoreError> {
        let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
        for r in sqlx::query("SELECT team_id, COUNT(*) AS n FROM child_state WHERE is_open = 1 AND team_id IS NOT NULL GROUP BY team_id")
            .fetch_all(&self.pool)
            .await?
        {
            out.entry(r.i64("team_id")?).or_default().0 = r.i64("n")?;
        }
        for r in sqlx::query("SELECT team_id, COUNT(*) AS n FROM workers GROUP BY team_id")
            .fetch_all(&self.pool)
            .await?
        {
            out.entry(r.i64("team_id")?).or_default().1 = r.i64("n")?;
        }
        Ok(out)
    }
}
