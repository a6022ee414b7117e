//! People and families: reading a person, their household and relationships, and finding
//! people by name (tolerant of spelling and word order), date of birth or any identifier.

use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

use stepwise_domain::access::RestrictionKind;
use stepwise_domain::ids::{NhsNumber, PersonId, Upn, parse_local_person_id};
use stepwise_domain::people::{Person, PersonKind};
use stepwise_domain::search::{name_score, phonetic_key, tokens};

use crate::StoreError;
use crate::sql::{Col, date};

/// What to search for. The query text may be a name (any order, misspellings tolerated), a
/// local person id, an NHS number or a UPN; a date of birth narrows the search or stands alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub text: String,
    pub date_of_birth: Option<NaiveDate>,
    /// Which page of the matches to return (best first).
    pub page: crate::PageRequest,
    /// Whether sealed records may be found (only for roles that may see them).
    pub include_sealed: bool,
}

/// A person found by a search, best match first.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMatch {
    pub id: i64,
    pub local_id: String,
    pub name: String,
    /// The name that matched, when it was a former name or alias.
    pub matched_other_name: Option<String>,
    pub kind: PersonKind,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: String,
    /// What is open for them, in plain words.
    pub open: Vec<stepwise_domain::projection::Involvement>,
    pub postcode: Option<String>,
    pub score: u32,
    /// How the person matched: "name", "identifier", "date of birth".
    pub matched_on: String,
    /// Set when the record is restricted or sealed: then only the name is shown.
    pub restriction: Option<stepwise_domain::access::RestrictionKind>,
}

pub(crate) fn person_from_json(s: &str) -> Result<Person, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::corrupt(format!("person: {e}")))
}

impl crate::People<'_> {
    /// Whether a person with this key exists (reads nothing else about them).
    pub async fn person_exists(&self, id: PersonId) -> Result<bool, StoreError> {
        Ok(sqlx::query("SELECT id FROM persons WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    /// A person by key.
    pub(crate) async fn person(&self, id: PersonId) -> Result<Option<Person>, StoreError> {
        sqlx::query("SELECT data FROM persons WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| person_from_json(&r.text("data")?))
            .transpose()
    }

    /// People by key, in one query.
    pub(crate) async fn people_by_id(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Person>, StoreError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, data FROM persons WHERE id IN ({})",
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.insert(r.i64("id")?, person_from_json(&r.text("data")?)?);
            }
        }
        Ok(out)
    }

    /// Finds people. Identifiers are tried exactly first; otherwise every word of the query must
    /// match a different word of one of the person's names, exactly, as a prefix, within a small
    /// spelling distance or by sound. Returns the requested page of the matches, best first,
    /// with the number of people matching: sealed records are not found (nor counted) unless
    /// `include_sealed`, and restricted ones only by name, exactly as they are listed.
    pub async fn search_people(
        &self,
        q: &SearchQuery,
    ) -> Result<crate::Paged<PersonMatch>, StoreError> {
        let text = q.text.trim();
        let mut found: BTreeMap<i64, (u32, String, Option<String>)> = BTreeMap::new();

        // Identifiers: local id, NHS number, UPN or former UPN.
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if let Some(id) = parse_local_person_id(text)
            && self.person(id).await?.is_some()
        {
            found.insert(id.0, (1000, "identifier".to_string(), None));
        }
        if let Ok(nhs) = NhsNumber::parse(&compact) {
            for r in sqlx::query("SELECT id FROM persons WHERE nhs_number = $1")
                .bind(nhs.as_str())
                .fetch_all(&self.pool)
                .await?
            {
                found.insert(r.i64("id")?, (1000, "identifier".to_string(), None));
            }
        }
        if let Ok(upn) = Upn::parse(&compact) {
            for r in sqlx::query("SELECT id FROM persons WHERE upn = $1 OR former_upn = $1")
                .bind(upn.as_str())
                .fetch_all(&self.pool)
                .await?
            {
                found.insert(r.i64("id")?, (1000, "identifier".to_string(), None));
            }
        }

        let query_tokens = tokens(text);
        let is_identifier_like = text.chars().any(|c| c.is_ascii_digit());
        if found.is_empty() && !query_tokens.is_empty() && !is_identifier_like {
            // Candidates: people with a name token sharing the sound or the first letters of
            // the rarest-looking query token (the longest), then scored in full.
            let anchor = query_tokens
                .iter()
                .max_by_key(|t| t.len())
                .cloned()
                .unwrap_or_default();
            let prefix: String = anchor.chars().take(3).collect();
            let rows = sqlx::query(
                "SELECT DISTINCT person_id FROM name_tokens WHERE sound = $1 OR token = $2 OR (token >= $3 AND token < $4)",
            )
            .bind(phonetic_key(&anchor))
            .bind(&anchor)
            .bind(&prefix)
            .bind(format!("{prefix}\u{7f}"))
            .fetch_all(&self.pool)
            .await?;
            let ids: Vec<i64> = rows
                .iter()
                .map(|r| r.i64("person_id"))
                .collect::<Result<_, _>>()?;
            let people = self.people().people_by_id(&ids).await?;
            for (id, p) in &people {
                if let Some(dob) = q.date_of_birth
                    && p.date_of_birth != Some(dob)
                {
                    continue;
                }
                let mut best: Option<(u32, Option<String>)> = None;
                for (i, n) in p.names.iter().enumerate() {
                    let nt = tokens(&n.full());
                    if let Some(s) = name_score(&query_tokens, &nt) {
                        // A match on the current name ranks above one on a former name.
                        let s = if i == 0 { s + 5 } else { s };
                        if best.as_ref().is_none_or(|b| s > b.0) {
                            best = Some((s, if i == 0 { None } else { Some(n.full()) }));
                        }
                    }
                }
                if let Some((s, other)) = best {
                    found.insert(*id, (s, "name".to_string(), other));
                }
            }
        } else if found.is_empty()
            && query_tokens.is_empty()
            && let Some(dob) = q.date_of_birth
        {
            for r in sqlx::query("SELECT id FROM persons WHERE dob = $1")
                .bind(date(dob))
                .fetch_all(&self.pool)
                .await?
            {
                found.insert(r.i64("id")?, (500, "date of birth".to_string(), None));
            }
        }

        // Restricted records are found by name only, and show nothing but the name; sealed
        // records are found only by those who may see them.
        let restrictions = self
            .governance()
            .restrictions(&found.keys().copied().collect::<Vec<_>>())
            .await?;
        found.retain(
            |id, (_, how, _)| match restrictions.get(id).map(|r| r.kind) {
                None => true,
                Some(RestrictionKind::Sealed) => q.include_sealed,
                // By name alone: a date of birth in the query would confirm it.
                Some(RestrictionKind::Restricted) => how == "name" && q.date_of_birth.is_none(),
            },
        );
        let ids: Vec<i64> = found.keys().copied().collect();
        let people = self.people().people_by_id(&ids).await?;
        let open = self.open_involvements(&ids).await?;
        let mut out: Vec<PersonMatch> = found
            .into_iter()
            .filter_map(|(id, (score, how, other))| {
                let p = people.get(&id)?;
                let restriction = restrictions.get(&id).map(|r| r.kind);
                let hide = restriction == Some(RestrictionKind::Restricted);
                Some(PersonMatch {
                    id,
                    local_id: stepwise_domain::ids::local_person_id(PersonId(id)),
                    name: p.display_name(),
                    matched_other_name: other,
                    kind: p.kind,
                    date_of_birth: if hide {
                        None
                    } else {
                        p.date_of_birth.or(p.expected_date_of_birth)
                    },
                    sex: if hide {
                        String::new()
                    } else {
                        p.sex.to_string()
                    },
                    open: if hide {
                        Vec::new()
                    } else {
                        open.get(&id).cloned().unwrap_or_default()
                    },
                    // Filled in below, for the page shown only.
                    postcode: None,
                    score,
                    matched_on: how,
                    restriction,
                })
            })
            .collect();
        // Best score first; among equals, children before adults, then open cases, then name.
        out.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| (a.kind != PersonKind::Child).cmp(&(b.kind != PersonKind::Child)))
                .then_with(|| b.open.len().cmp(&a.open.len()))
                .then_with(|| a.name.cmp(&b.name))
        });
        let mut page = crate::Paged::of(out, q.page);
        let shown: Vec<i64> = page
            .items
            .iter()
            .filter(|m| m.restriction != Some(RestrictionKind::Restricted))
            .map(|m| m.id)
            .collect();
        let postcodes = self.current_postcodes(&shown).await?;
        for m in &mut page.items {
            m.postcode = postcodes.get(&m.id).cloned();
        }
        Ok(page)
    }

    /// What is open, for each person that has a projection.
    pub(crate) async fn open_involvements(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<stepwise_domain::projection::Involvement>>, StoreError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {} FROM child_state WHERE is_open = 1 AND child_id IN ({})",
                crate::events::STATE_COLUMNS,
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                let s = crate::events::state_from_row(&r)?;
                out.insert(s.child.0, s.involvements());
            }
        }
        Ok(out)
    }

    /// The current postcode of each person's current household.
    pub(crate) async fn current_postcodes(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, String>, StoreError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT m.person_id, a.postcode FROM household_members m JOIN addresses a ON a.household_id = m.household_id \
                 WHERE m.to_date IS NULL AND a.end_date IS NULL AND m.person_id IN ({})",
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.insert(r.i64("person_id")?, r.text("postcode")?);
            }
        }
        Ok(out)
    }

    /// The number of people of each kind.
    pub async fn count_people(&self) -> Result<(i64, i64), StoreError> {
        let r = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN kind = 'adult' THEN 0 ELSE 1 END), 0) AS children, COALESCE(SUM(CASE WHEN kind = 'adult' THEN 1 ELSE 0 END), 0) AS adults FROM persons",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((r.i64("children")?, r.i64("adults")?))
    }
}
