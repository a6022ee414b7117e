//! The continuum of need in force (the front door issue, item 5): every signed-in role,
//! partners included, can read it as a page and as data; it is the four-level model unless the
//! authority configures another.

use reqwest::StatusCode;
use serde_json::Value;

use stepwise_domain::access::Role;

use super::support::app::{PASSWORD, spawn_app, username};

#[tokio::test]
async fn everyone_signed_in_reads_the_continuum_of_need_as_a_page_and_as_data() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/threshold", None).await.status(),
        StatusCode::SEE_OTHER,
        "signed out: to the sign-in page"
    );
    for role in [
        Role::FrontDoorPractitioner,
        Role::PartnerProfessional,
        Role::SocialWorker,
    ] {
        let cookie = app.sign_in(&username(role), PASSWORD).await.unwrap();
        let res = app.get("/threshold", Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::OK, "{role:?}");
        let page = res.text().await.unwrap();
        assert!(page.contains("Child Concern Model"), "{role:?}");
        assert!(
            page.contains("href=\"/threshold\""),
            "{role:?}: in the navigation"
        );
        for level in ["Level 1: Universal", "Level 4: Specialist"] {
            assert!(page.contains(level), "{role:?}: {level}");
        }
        assert!(page.contains("a manager authorises"), "{role:?}");
        assert!(page.contains("within 4 hours, day or night"), "{role:?}");
        assert!(page.contains("within one working day"), "{role:?}");
        assert!(
            page.contains("The child&#x27;s developmental needs")
                || page.contains("developmental needs")
        );
    }
    let fd = app
        .sign_in(&username(Role::FrontDoorPractitioner), PASSWORD)
        .await
        .unwrap();
    let m: Value = app
        .get("/api/v1/threshold", Some(&fd))
        .await
        .json()
        .await
        .unwrap();
    let levels: Vec<&str> = m["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["1", "2", "3", "4"]);
    assert!(
        m["levels"][3]["opens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o == "social_care_assessment")
    );
    assert!(m["levels"][0]["indicators"][0]["domain"].is_string());
    assert_eq!(m["decision_limits"]["red_hours"], 4);
    assert_eq!(m["decision_limits"]["amber_working_days"], 1);
    assert!(
        m["authorisation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o == "strategy_discussion")
    );
}
