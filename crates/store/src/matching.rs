//! Finding the people already on the record who might be a person about to be named on a contact,
//! before anyone new is created: the candidates are gathered here (by identifier, by the sound and
//! first letters of the family name, and by date of birth), and scored by the domain's matcher
//! (`stepwise_domain::matching`), which gives each its reasons.
//!
//! Restricted and sealed records are handled as search handles them (`docs/security.md` §3):
//! sealed records are found only by roles that may see them; a restricted record is shown only
//! when it is a certain or likely match, and then only by name, so that a worker opens it (giving
//! a reason) before deciding rather than creating a duplicate.

use std::collections::BTreeSet;

use stepwise_domain::access::RestrictionKind;
use stepwise_domain::ids::{PersonId, Postcode, parse_local_person_id};
use stepwise_domain::matching::{Candidate, Incoming, Match, Nicknames, Strength, rank};
use stepwise_domain::people::PersonKind;
use stepwise_domain::search::{phonetic_key, tokens};

use crate::StoreError;
use crate::sql::{Col, date};

/// A person who might be the one named, with what the matcher found.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonCandidate {
    /// The score, strength and reasons. For a restricted record the reasons are left out.
    pub found: Match,
    pub local_id: String,
    pub name: String,
    pub kind: PersonKind,
    /// Not shown for a restricted record.
    pub date_of_birth: Option<chrono::NaiveDate>,
    /// Not shown for a restricted record.
    pub postcode: Option<String>,
    /// What is open for them, in plain words (not shown for a restricted record).
    pub open: Vec<stepwise_domain::projection::Involvement>,
    pub restriction: Option<RestrictionKind>,
}

/// The most candidates gathered by name or date of birth before scoring; more than this many
/// people sharing a family name's sound is a sign the name is too common to narrow by alone,
/// and the date of birth and identifiers still find the rest.
const MAX_GATHERED: usize = 2_000;

impl crate::People<'_> {
    /// The people who might be `incoming`, best first, each with the reasons it matched.
    /// `include_sealed` is whether the asking user may see sealed records.
    pub async fn match_people(
        &self,
        incoming: &Incoming,
        include_sealed: bool,
    ) -> Result<Vec<PersonCandidate>, StoreError> {
        let nicknames = Nicknames::embedded()
            .map_err(|e| StoreError::corrupt(format!("the nickname table: {e}")))?;
        let mut ids: BTreeSet<i64> = BTreeSet::new();

        // Identifiers.
        if let Some(nhs) = &incoming.nhs_number {
            for r in sqlx::query("SELECT id FROM persons WHERE nhs_number = $1")
                .bind(nhs.as_str())
                .fetch_all(&self.pool)
                .await?
            {
                ids.insert(r.i64("id")?);
            }
        }
        if let Some(upn) = &incoming.upn {
            for r in sqlx::query("SELECT id FROM persons WHERE upn = $1 OR former_upn = $1")
                .bind(upn.as_str())
                .fetch_all(&self.pool)
                .await?
            {
                ids.insert(r.i64("id")?);
            }
        }
        if let Some(id) = incoming.local_id.as_deref().and_then(parse_local_person_id)
            && self.person_exists(id).await?
        {
            ids.insert(id.0);
        }

        // The family name (current or former) by sound or first letters, and the given name by
        // sound among people born on the same day.
        let mut gathered: BTreeSet<i64> = BTreeSet::new();
        if let Some(anchor) = tokens(&incoming.family_name)
            .into_iter()
            .max_by_key(|t| t.len())
        {
            let prefix: String = anchor.chars().take(3).collect();
            for r in sqlx::query(
                "SELECT DISTINCT person_id FROM name_tokens WHERE sound = $1 OR token = $2 OR (token >= $3 AND token < $4)",
            )
            .bind(phonetic_key(&anchor))
            .bind(&anchor)
            .bind(&prefix)
            .bind(format!("{prefix}\u{7f}"))
            .fetch_all(&self.pool)
            .await?
            {
                gathered.insert(r.i64("person_id")?);
            }
        }
        if let Some(dob) = incoming.date_of_birth {
            for r in sqlx::query("SELECT id FROM persons WHERE dob = $1")
                .bind(date(dob))
                .fetch_all(&self.pool)
                .await?
            {
                gathered.insert(r.i64("id")?);
            }
        }
        ids.extend(gathered.into_iter().take(MAX_GATHERED));

        let ids: Vec<i64> = ids.into_iter().collect();
        let people = self.people().people_by_id(&ids).await?;
        let postcodes = self.current_postcodes(&ids).await?;
        let candidates: Vec<Candidate> = ids
            .iter()
            .filter_map(|id| {
                let p = people.get(id)?;
                let postcode = postcodes.get(id).and_then(|s| Postcode::parse(s).ok());
                Some(Candidate::from_person(p, postcode))
            })
            .collect();
        let mut found = rank(nicknames, incoming, &candidates);

        let restrictions = self
            .governance()
            .restrictions(&found.iter().map(|m| m.person_id.0).collect::<Vec<_>>())
            .await?;
        found.retain(|m| match restrictions.get(&m.person_id.0).map(|r| r.kind) {
            None => true,
            Some(RestrictionKind::Sealed) => include_sealed,
            Some(RestrictionKind::Restricted) => m.strength != Strength::Possible,
        });
        let shown: Vec<i64> = found.iter().map(|m| m.person_id.0).collect();
        let open = self.open_involvements(&shown).await?;
        Ok(found
            .into_iter()
            .filter_map(|mut m| {
                let id = m.person_id.0;
                let p = people.get(&id)?;
                let restriction = restrictions.get(&id).map(|r| r.kind);
                let hide = restriction == Some(RestrictionKind::Restricted);
                if hide {
                    m.reasons.clear();
                }
                Some(PersonCandidate {
                    local_id: stepwise_domain::ids::local_person_id(PersonId(id)),
                    name: p.display_name(),
                    kind: p.kind,
                    date_of_birth: if hide { None } else { p.date_of_birth },
                    postcode: if hide {
                        None
                    } else {
                        postcodes.get(&id).cloned()
                    },
                    open: if hide {
                        Vec::new()
                    } else {
                        open.get(&id).cloned().unwrap_or_default()
                    },
                    restriction,
                    found: m,
                })
            })
            .collect())
    }
}
