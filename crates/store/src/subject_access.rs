//! Subject access requests: everything Stepwise holds about one person gathered into one pack
//! (identity and names, addresses, household and family, the whole chronology, and who has
//! looked at the record), with every piece of third-party information marked for the reviewer
//! to consider redacting before release. Preparing a pack is a read of the record: the access
//! policy decides first, and the export is audited with the request's reference.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;
use stepwise_domain::audit::{AuditAction, AuditSubject};

use stepwise_domain::access::{Disclosure, Permission};
use stepwise_domain::ids::{PersonId, local_person_id};
use stepwise_domain::people::{Person, RelationshipKind};

use crate::StoreError;
use crate::audit::AuditEntry;
use crate::events::{ChronologyEntry, ChronologyFilter};
use crate::records::Reader;
use crate::sql::{Col, parse_date};

/// An address the person lived at, with when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackAddress {
    pub line1: String,
    pub town: String,
    pub postcode: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// Someone else who appears in the person's record: third-party information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThirdParty {
    pub local_id: String,
    pub name: String,
    /// How they appear: "Mother", "Lived in the same household", ...
    pub connection: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One chronology entry, with whether its free text needs a reviewer's eye.
#[derive(Debug, Clone, PartialEq)]
pub struct PackEntry {
    pub entry: ChronologyEntry,
    /// The text names a third party, or is free text that may: review before release.
    pub review: bool,
    /// The third parties' names found in the text.
    pub names_found: Vec<String>,
}

/// Everything held about one person, for a subject access request.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectAccessPack {
    /// The request's reference, as the authority logged it.
    pub reference: String,
    pub prepared_at: DateTime<Utc>,
    pub prepared_by: String,
    pub local_id: String,
    pub person: Person,
    pub addresses: Vec<PackAddress>,
    /// Addresses left out because they were shared with someone whose restricted record the
    /// preparer may not open: the reviewer asks information governance before release.
    pub addresses_withheld: usize,
    /// Family and household members: third parties, to consider redacting.
    pub third_parties: Vec<ThirdParty>,
    pub chronology: Vec<PackEntry>,
    /// Who has looked at the record (staff acting in their role; usually released).
    pub access_log: Vec<AuditEntry>,
}

/// A subject access request's reference as the authority logged it: 3 to 60 characters.
pub fn check_sar_reference(reference: &str) -> Result<&str, StoreError> {
    let reference = reference.trim();
    let n = reference.chars().count();
    if !(3..=60).contains(&n) || reference.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            "give the request's reference (3 to 60 characters), for example SAR-2026-014"
                .to_string(),
        ));
    }
    Ok(reference)
}

impl crate::Governance<'_> {
    /// Gathers a subject access pack for `person`, if `reader` may export it. The export is
    /// audited as `record.export` with the reference. Refused: a reference shorter than three
    /// characters, a person who does not exist or that the reader may not see.
    pub async fn subject_access_pack(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        person: PersonId,
        reference: &str,
    ) -> Result<SubjectAccessPack, StoreError> {
        let reference = check_sar_reference(reference)?;
        let Some(p) = self.people().person(person).await? else {
            return Err(StoreError::NotFound(format!(
                "person {}",
                local_person_id(person)
            )));
        };
        self.people()
            .check_record_access(reader, request_id, person, Permission::ExportSubjectAccess)
            .await?;

        // Households over time: addresses while the person lived there, and who else did.
        let mut addresses = Vec::new();
        let mut third: BTreeMap<i64, ThirdParty> = BTreeMap::new();
        let memberships = sqlx::query(
            "SELECT household_id, from_date, to_date FROM household_members WHERE person_id = $1",
        )
        .bind(person.0)
        .fetch_all(&self.pool)
        .await?;
        let mut others: Vec<(i64, NaiveDate, Option<NaiveDate>)> = Vec::new();
        // Which household each address came from, and who else lived in each household.
        let mut address_households: Vec<i64> = Vec::new();
        let mut household_people: Vec<(i64, i64)> = Vec::new();
        for m in &memberships {
            let hid = m.i64("household_id")?;
            let from = parse_date(&m.text("from_date")?)?;
            let to = m.opt_text("to_date")?.map(|d| parse_date(&d)).transpose()?;
            for a in sqlx::query("SELECT line1, town, postcode, start_date, end_date FROM addresses WHERE household_id = $1 ORDER BY start_date")
                .bind(hid)
                .fetch_all(&self.pool)
                .await?
            {
                let start = parse_date(&a.text("start_date")?)?;
                let end = a.opt_text("end_date")?.map(|d| parse_date(&d)).transpose()?;
                // Only the part of the address's life when the person lived there.
                let lived_from = start.max(from);
                let lived_to = match (end, to) {
                    (Some(e), Some(t)) => Some(e.min(t)),
                    (e, t) => e.or(t),
                };
                if lived_to.is_some_and(|t| t < lived_from) {
                    continue;
                }
                address_households.push(hid);
                addresses.push(PackAddress {
                    line1: a.text("line1")?,
                    town: a.text("town")?,
                    postcode: a.text("postcode")?,
                    from: lived_from,
                    to: lived_to,
                });
            }
            for o in sqlx::query("SELECT person_id, from_date, to_date FROM household_members WHERE household_id = $1 AND person_id <> $2")
                .bind(hid)
                .bind(person.0)
                .fetch_all(&self.pool)
                .await?
            {
                household_people.push((hid, o.i64("person_id")?));
                let of = parse_date(&o.text("from_date")?)?;
                let ot = o.opt_text("to_date")?.map(|d| parse_date(&d)).transpose()?;
                others.push((o.i64("person_id")?, of.max(from), match (ot, to) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }));
            }
        }
        let mut related: Vec<(i64, String)> = Vec::new();
        for r in sqlx::query("SELECT person_id, related_id, kind FROM relationships WHERE person_id = $1 OR related_id = $1")
            .bind(person.0)
            .fetch_all(&self.pool)
            .await?
        {
            let (a, b) = (r.i64("person_id")?, r.i64("related_id")?);
            let kind = RelationshipKind::parse(&r.text("kind")?);
            let (other, other_is_source) = if a == person.0 { (b, false) } else { (a, true) };
            let label = match (kind, other_is_source) {
                (Some(RelationshipKind::Parent), true) => "Parent",
                (Some(RelationshipKind::Parent), false) => "Child",
                (Some(RelationshipKind::Carer), true) => "Carer",
                (Some(RelationshipKind::Carer), false) => "Cared for",
                (Some(RelationshipKind::Sibling), _) => "Sibling",
                (Some(RelationshipKind::HouseholdMember), _) => "Household member",
                _ => "Related",
            };
            related.push((other, label.to_string()));
        }
        let ids: Vec<i64> = related
            .iter()
            .map(|r| r.0)
            .chain(others.iter().map(|o| o.0))
            .collect();
        let people = self.people().people_by_id(&ids).await?;
        // Third parties whose records are protected are shown as the access policy's one rule
        // says: a sealed one not at all, a restricted one by name only, and an address shared
        // with a restricted one is withheld (the reviewer is told how many), unless the reader
        // may open that record now, which is then logged on its access log.
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let shown = self
            .people()
            .disclosures(
                reader,
                request_id,
                &distinct,
                &format!("subject access pack of {}", local_person_id(person)),
            )
            .await?;
        let name_only = |id: &i64| shown.get(id).is_some_and(|d| !d.full());
        let hidden = |id: &i64| shown.get(id).is_none_or(Disclosure::hidden);
        let withheld_households: std::collections::BTreeSet<i64> = household_people
            .iter()
            .filter(|(_, id)| name_only(id))
            .map(|(hid, _)| *hid)
            .collect();
        let mut kept = Vec::new();
        let mut addresses_withheld = 0;
        for (a, hid) in addresses.into_iter().zip(address_households) {
            if withheld_households.contains(&hid) {
                addresses_withheld += 1;
            } else {
                kept.push(a);
            }
        }
        let mut addresses = kept;
        addresses.sort_by_key(|a| a.from);
        for (id, label) in related {
            if hidden(&id) {
                continue;
            }
            if let Some(o) = people.get(&id) {
                third.entry(id).or_insert(ThirdParty {
                    local_id: local_person_id(PersonId(id)),
                    name: o.display_name(),
                    connection: label,
                    from: None,
                    to: None,
                });
            }
        }
        for (id, from, to) in others {
            if hidden(&id) {
                continue;
            }
            if let Some(o) = people.get(&id) {
                let t = third.entry(id).or_insert(ThirdParty {
                    local_id: local_person_id(PersonId(id)),
                    name: o.display_name(),
                    connection: "Lived in the same household".into(),
                    from: None,
                    to: None,
                });
                t.from = Some(t.from.map_or(from, |f| f.min(from)));
                t.to = match (t.to, to) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
        }
        for (id, t) in third.iter_mut() {
            if name_only(id) {
                t.local_id = String::new();
                t.connection = "Not shown: restricted record".into();
                t.from = None;
                t.to = None;
            }
        }
        // The names to look for in free text: every third party's names, full and given.
        let mut names: Vec<String> = Vec::new();
        for id in third.keys() {
            if let Some(o) = people.get(id) {
                for n in &o.names {
                    names.push(n.full());
                    if n.given.chars().count() >= 3 {
                        names.push(n.given.clone());
                    }
                }
            }
        }
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names.dedup();
        let (entries, _) = self
            .journeys()
            .chronology(
                person,
                &ChronologyFilter {
                    significant_only: false,
                    limit: 100_000,
                    ..Default::default()
                },
            )
            .await?;
        let chronology = entries
            .into_iter()
            .map(|entry| {
                let text = entry.text.clone().unwrap_or_default();
                let lower = text.to_lowercase();
                let names_found: Vec<String> = names
                    .iter()
                    .filter(|n| lower.contains(&n.to_lowercase()))
                    .cloned()
                    .collect();
                PackEntry {
                    review: !text.trim().is_empty(),
                    names_found,
                    entry,
                }
            })
            .collect();
        let access_log = self
            .audit_log()
            .entries(Some(AuditSubject::Person(person).stored().as_ref()), 10_000)
            .await?;
        let prepared_at = self.now();
        self.audit_log()
            .record(
                reader.actor,
                AuditAction::RecordExport,
                &AuditSubject::Person(person),
                request_id,
                &format!("subject access request {reference}"),
            )
            .await?;
        Ok(SubjectAccessPack {
            reference: reference.to_string(),
            prepared_at,
            prepared_by: reader.actor.label(),
            local_id: local_person_id(person),
            person: p,
            addresses,
            addresses_withheld,
            third_parties: third.into_values().collect(),
            chronology,
            access_log,
        })
    }
}
