//! Issue 6 item 9: signing in through the identity provider opens only the account linked to
//! the token's (issuer, subject), never one named by the provider's `preferred_username`, and a
//! discovery document for another issuer is refused. The provider here is a small one of the
//! test's own (discovery, keys and a token endpoint signing RS256 ID tokens), so these run
//! without Node or a browser.

use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::{Json, Router};
use reqwest::StatusCode;

use crate::support::app::{TestApp, spawn_app_with};

/// A throwaway RSA key for signing test tokens (generated for these tests; it protects nothing).
const TEST_KEY_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEogIBAAKCAQEA7L5RA3/HWulIre2BY6uXj7EXJQKgEPC8MK14VfaskPSFo5Lg
89wvLmcXKJzLGKowDUnC14Q/OPKKj5TN8y4p9ZcLR/VlarLK9nQL+V/CTnhbZMDB
mAE18RnxZhLlaJJ3pAmc5z+fBi73+ZZSOUPAUwq8NF0LsL/U9NG8qvzx6/Yr/OPe
m2wzhse58GYkDgte/8Ur5jMeKeUdXWXIR5Ike/uBMg60RTPdCf18PB2lBN8teX65
tMSe7BEXL+DYAXvMvda5ow+qNNzY8/zykE0evDfTvWouKRv/d32HYoFzZuxYQQBL
hIwWSbwmUX/x4/OTJxCfNphuvrUXey1objPqxQIDAQABAoIBAAVQ8hbHBsisK71O
yQoI72VYT7G9ZlobCHl7W76/xE5DqhXrQBvvGiwg6oHh9iQ+phzrnBwk1G/zRQNG
ZH2NJX9l/eiGwoPr3JI+Nt/0XjOkO5Z+nET35KiJBu+zhZfx5LfingsKAF3Y2NQE
+SG0u3E3Rin9hjwDgsULSgD49Hcc9ql1eQyRLZ7/sKVvlw5acgyFdbsmkMd1hqXB
xqPApvOs7yPornIcJWQZBirFFzcyR98BgsN6ks1SjrDsd39LKw3e0ClTho+CY4Yf
gMu2sQzMz4BRP+9uRF7veGKDIBujyzUxIiBWRZThap69tFefT452JlRs/VY//uDY
u2K9BR0CgYEA+4IE3CJqqkCQp7GiYtQDwth57dNbskJ2hKLbXWwP0vEnBhcH9VCQ
YZqX0tT6WfdC5uTBXZWvK6272QFHVvbkcSXB1dGbdYXn1LAiA0Snx1tg1jPSvYCJ
tUByt5DEN00zCJ1DuG7FB4qLUgfPBJ9H1OyNHPe/5Gf41BMEOaIrMTcCgYEA8PjK
DAh6KyKd4YQ/HhGzlDcmqybLX327WVxb2FsF/nO20zX2RlOwCRshxjLoRJEl6xcU
YExPjzW/LXT3BGrJgvVmszQF/2PRhkrd2Rubsvc3iiBznrILr2uLp6OrRIyMsJdx
UFJNP0DJH98s/5emB49lRwBmPKgHgSEj3adCceMCgYBWHuJdIqfVnoAp++h34NNc
39V4e1w1wQ5mQoHNDpioiYzsR+ygsrKNyWrddbI4JjPRbllMG1o9IaNmHkr4W1hD
6kLiXYDXEEAfEyTCa7rrx71z+5DY9O+ykdv2QWr+6L9l3rv2pm9vMqCcOTJJCeWF
4m47khYyNuv8anqS5ZXWpwKBgEoQPZGLPXlqj1oUGo40ZJyGgvUR3GpCK8Ygc/5A
o8v8ZtHuAP7GlBGIbE4NsYP5lMz38ARVEBL1MwhWreGGrN76bBFiSQGg/XIoKp2j
NazA/SoQJVk+YgcNqAPjcy2DgW55bZOBaEqrr+WC48K/KoGiWj+DaOj1wDC5Ldvf
n7V/AoGAVeGW0VkwGBPTfiw2/KSJZdAb/Kdb4FZvNYbTF0+PYfcZ7Dt5fFMEzhyR
in7ZRjVxfpFooBKFNxcpeAgd49KJBAig6ZD9ng1Fc9V7Im4b+GvZqlj6QTjQvTez
5v6woYOMCHSvGvZeD1Gc2p1e4kWiM1MPCcZDEiDnuCwKfEr168U=
-----END RSA PRIVATE KEY-----";
/// The public modulus of TEST_KEY_PEM, base64url.
const TEST_KEY_N: &str = "7L5RA3_HWulIre2BY6uXj7EXJQKgEPC8MK14VfaskPSFo5Lg89wvLmcXKJzLGKowDUnC14Q_OPKKj5TN8y4p9ZcLR_VlarLK9nQL-V_CTnhbZMDBmAE18RnxZhLlaJJ3pAmc5z-fBi73-ZZSOUPAUwq8NF0LsL_U9NG8qvzx6_Yr_OPem2wzhse58GYkDgte_8Ur5jMeKeUdXWXIR5Ike_uBMg60RTPdCf18PB2lBN8teX65tMSe7BEXL-DYAXvMvda5ow-qNNzY8_zykE0evDfTvWouKRv_d32HYoFzZuxYQQBLhIwWSbwmUX_x4_OTJxCfNphuvrUXey1objPqxQ";

#[derive(Clone, Default)]
struct Next {
    /// The issuer the discovery document names (the provider's own unless a test changes it).
    discovery_issuer: Option<String>,
    sub: String,
    preferred_username: String,
    nonce: String,
}

struct Provider {
    base: String,
    next: Arc<Mutex<Next>>,
}

async fn start_provider() -> Provider {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let next = Arc::new(Mutex::new(Next::default()));
    let (b1, n1) = (base.clone(), next.clone());
    let (b2, n2) = (base.clone(), next.clone());
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || {
                let (base, next) = (b1.clone(), n1.clone());
                async move {
                    let issuer = next
                        .lock()
                        .unwrap()
                        .discovery_issuer
                        .clone()
                        .unwrap_or_else(|| base.clone());
                    Json(serde_json::json!({
                        "issuer": issuer,
                        "authorization_endpoint": format!("{base}/auth"),
                        "token_endpoint": format!("{base}/token"),
                        "jwks_uri": format!("{base}/jwks"),
                    }))
                }
            }),
        )
        .route(
            "/jwks",
            get(|| async {
                Json(serde_json::json!({"keys": [
                    {"kty": "EC", "crv": "P-256", "kid": "other", "x": "not-a-key", "y": "x"},
                    {"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": TEST_KEY_N, "e": "AQAB"}
                ]}))
            }),
        )
        .route(
            "/token",
            post(move || {
                let (base, next) = (b2.clone(), n2.clone());
                async move {
                    let n = next.lock().unwrap().clone();
                    let now = chrono::Utc::now().timestamp();
                    let claims = serde_json::json!({
                        "iss": base,
                        "sub": n.sub,
                        "aud": "stepwise",
                        "exp": now + 300,
                        "iat": now,
                        "nonce": n.nonce,
                        "preferred_username": n.preferred_username,
                    });
                    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
                    header.kid = Some("k1".into());
                    let key = jsonwebtoken::EncodingKey::from_rsa_pem(TEST_KEY_PEM.as_bytes()).unwrap();
                    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
                    Json(serde_json::json!({"id_token": token, "token_type": "Bearer", "access_token": "x"}))
                }
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Provider { base, next }
}

/// Starts a sign-in at Stepwise, plays the provider's part with a token for `sub` calling
/// itself `preferred_username`, and returns Stepwise's answer to the return from the provider.
async fn sign_in_through(
    app: &TestApp,
    idp: &Provider,
    sub: &str,
    preferred: &str,
) -> reqwest::Response {
    let start = app.get("/sign-in/oidc?next=/my-work", None).await;
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let to = start.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with(&format!("{}/auth?", idp.base)), "{to}");
    let param = |k: &str| {
        to.split(['?', '&'])
            .find_map(|p| p.strip_prefix(&format!("{k}=")))
            .unwrap()
            .to_string()
    };
    {
        let mut n = idp.next.lock().unwrap();
        n.sub = sub.into();
        n.preferred_username = preferred.into();
        n.nonce = param("nonce");
    }
    app.get(
        &format!(
            "/sign-in/oidc/callback?code=the-code&state={}",
            param("state")
        ),
        None,
    )
    .await
}

/// Finding 9: the account is found by the token's (issuer, subject). A token whose subject no
/// account is linked to is refused and audited, even though its `preferred_username` is a
/// Stepwise username (before, that signed the person in as `social.worker`); the linked
/// subject signs in.
#[tokio::test]
async fn provider_sign_in_is_bound_to_the_subject_not_the_username() {
    let idp = start_provider().await;
    let app = spawn_app_with(
        stepwise_domain::access::AccessPolicy::default(),
        Some(idp.base.clone()),
    )
    .await;
    let refused = sign_in_through(&app, &idp, "someone-else", "social.worker").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("no Stepwise account is linked to your council account")
    );
    let last = &app
        .store
        .audit_log()
        .entries(Some("oidc"), 1)
        .await
        .unwrap()[0];
    assert_eq!(last.action, "signin.failed");
    assert!(last.detail.contains("someone-else"), "{}", last.detail);

    let sw = app
        .store
        .accounts()
        .user_by_username("social.worker")
        .await
        .unwrap()
        .unwrap();
    app.store
        .accounts()
        .link_oidc_subject(
            &stepwise_store::Actor::System("test"),
            "-",
            sw.id,
            &format!("{}/", idp.base),
            "sub-of-the-social-worker",
        )
        .await
        .unwrap();
    // The provider's name for the person does not matter; the subject does.
    let ok = sign_in_through(&app, &idp, "sub-of-the-social-worker", "anything").await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert!(
        ok.headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("stepwise_session=")),
        "a session is issued"
    );
    let entries = app
        .store
        .audit_log()
        .entries(Some(&format!("user:{}", sw.id)), 1)
        .await
        .unwrap();
    assert_eq!(entries[0].action, "signin");
    assert!(entries[0].detail.contains("sub-of-the-social-worker"));
}

/// Finding 9: a discovery document naming another issuer is refused before anyone is sent to
/// its endpoints (before, Stepwise followed it).
#[tokio::test]
async fn a_discovery_document_for_another_issuer_is_refused() {
    let idp = start_provider().await;
    idp.next.lock().unwrap().discovery_issuer = Some("https://evil.example".into());
    let app = spawn_app_with(
        stepwise_domain::access::AccessPolicy::default(),
        Some(idp.base.clone()),
    )
    .await;
    let start = app.get("/sign-in/oidc?next=/my-work", None).await;
    assert_eq!(start.status(), StatusCode::BAD_REQUEST);
    assert!(start.text().await.unwrap().contains("evil.example"));
}
