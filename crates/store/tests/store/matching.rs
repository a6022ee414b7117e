//! Person matching before a contact creates anyone (the front door issue, item 3): the store
//! gathers candidates by identifier, family name (current or former) and date of birth, the
//! domain ranks them with reasons, and restricted and sealed records are held back as search
//! holds them back.

use super::*;
use stepwise_domain::access::RestrictionKind;
use stepwise_domain::matching::{Incoming, Strength};

fn named(given: &str, family: &str, dob: Option<NaiveDate>) -> Incoming {
    Incoming {
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: dob,
        ..Incoming::default()
    }
}

fn codes(c: &PersonCandidate) -> Vec<&'static str> {
    c.found.reasons.iter().map(|r| r.code()).collect()
}

async fn seal(s: &Store, person: i64, kind: RestrictionKind) {
    s.governance()
        .set_restriction(
            &Actor::System("test"),
            "req",
            PersonId(person),
            kind,
            if kind == RestrictionKind::Sealed {
                "sealed_adoption"
            } else {
                "perpetrator_risk"
            },
            "A note long enough to say why the record is protected.",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn candidates_are_found_by_identifier_misspelt_or_former_name_and_date_of_birth() {
    for (name, s) in loaded().await {
        let p = s.people();
        // The NHS number alone finds Amira, certainly.
        let by_nhs = p
            .match_people(
                &Incoming {
                    nhs_number: Some(nhs("999000001")),
                    ..Incoming::default()
                },
                false,
            )
            .await
            .unwrap();
        assert_eq!(by_nhs[0].found.person_id, PersonId(1), "{name}");
        assert_eq!(by_nhs[0].found.strength, Strength::Certain, "{name}");
        assert!(codes(&by_nhs[0]).contains(&"same_nhs_number"), "{name}");

        // A misspelt family name with the right date of birth: likely, saying why.
        let misspelt = p
            .match_people(&named("Amira", "Husain", Some(d(2015, 3, 27))), false)
            .await
            .unwrap();
        assert_eq!(
            misspelt[0].found.person_id,
            PersonId(1),
            "{name}: {misspelt:?}"
        );
        assert_eq!(misspelt[0].found.strength, Strength::Likely, "{name}");
        assert!(codes(&misspelt[0]).contains(&"same_birth_date"), "{name}");
        assert_eq!(misspelt[0].date_of_birth, Some(d(2015, 3, 27)));

        // Her former family name finds her too.
        let former = p
            .match_people(&named("Amira", "Begum", Some(d(2015, 3, 27))), false)
            .await
            .unwrap();
        assert_eq!(former[0].found.person_id, PersonId(1), "{name}: {former:?}");
        assert!(
            codes(&former[0]).contains(&"former_family_name"),
            "{name}: {:?}",
            codes(&former[0])
        );

        // A stranger with the family's name and another birthday is not likely anyone.
        let stranger = p
            .match_people(&named("Zofia", "Hussain", Some(d(2001, 6, 1))), false)
            .await
            .unwrap();
        assert!(
            stranger
                .iter()
                .all(|c| c.found.strength == Strength::Possible),
            "{name}: {stranger:?}"
        );
        // Nobody like them at all: nothing.
        assert!(
            p.match_people(&named("Xander", "Quayle", Some(d(1999, 1, 1))), false)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn sealed_records_are_not_candidates_and_restricted_ones_show_only_a_name() {
    for (name, s) in loaded().await {
        let amira = named("Amira", "Hussain", Some(d(2015, 3, 27)));
        seal(&s, 1, RestrictionKind::Restricted).await;
        let found = s.people().match_people(&amira, false).await.unwrap();
        let c = found
            .iter()
            .find(|c| c.found.person_id == PersonId(1))
            .unwrap();
        assert_eq!(c.restriction, Some(RestrictionKind::Restricted), "{name}");
        assert!(
            c.found.reasons.is_empty(),
            "{name}: no reasons that would confirm details"
        );
        assert_eq!((c.date_of_birth, &c.postcode), (None, &None), "{name}");
        assert!(c.open.is_empty(), "{name}");
        // A merely possible match to a restricted record is not shown at all.
        let vague = s
            .people()
            .match_people(&named("A", "Hussain", None), false)
            .await
            .unwrap();
        assert!(
            !vague.iter().any(|c| c.found.person_id == PersonId(1)),
            "{name}"
        );

        seal(&s, 4, RestrictionKind::Sealed).await;
        let katherine = named("Katherine", "O'Neill", Some(d(2012, 11, 30)));
        assert!(
            !s.people()
                .match_people(&katherine, false)
                .await
                .unwrap()
                .iter()
                .any(|c| c.found.person_id == PersonId(4)),
            "{name}: sealed records are not found by those who may not see them"
        );
        assert!(
            s.people()
                .match_people(&katherine, true)
                .await
                .unwrap()
                .iter()
                .any(|c| c.found.person_id == PersonId(4)),
            "{name}: but are by those who may"
        );
    }
}
