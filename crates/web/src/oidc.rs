//! Signing in through the authority's own identity provider (OpenID Connect, authorization code
//! flow with PKCE). Stepwise sends the person to the provider with a fresh state, nonce and code
//! challenge; on their return it exchanges the code for an ID token, checks with `jsonwebtoken`
//! the token's RS256 signature against the provider's published keys, its issuer, audience,
//! expiry and nonce, and signs in the Stepwise account linked to the token's issuer and subject
//! (`stepwise user link-oidc`), never one found by a username the provider reports. The
//! discovery document must name the configured issuer. Accounts are still made in Stepwise, so
//! roles stay in the access policy; the provider proves who the person is. The second factor rules apply as for a password sign-in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// An authority's identity provider, as configured. The client secret is a `secrecy` secret:
/// `Debug` output shows it as redacted.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The provider's issuer URL (its discovery document is under `/.well-known/`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// This service's callback, `https://…/sign-in/oidc/callback`, as registered with the provider.
    pub redirect_url: String,
}

impl OidcConfig {
    /// The issuer as accounts are bound to it (without a trailing slash).
    pub fn issuer_id(&self) -> &str {
        self.issuer.trim_end_matches('/')
    }
}

/// Why a sign-in through the provider failed (said plainly on the sign-in page, and audited).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the identity provider's answer could not be read: {0}")]
    BadAnswer(String),
    #[error("the identity provider's token failed a check: {0}")]
    Rejected(String),
}

/// The provider's endpoints, from its discovery document.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    id_token: String,
}

/// The provider's published keys, read one by one so a key of a kind Stepwise does not use
/// does not spoil the rest.
#[derive(Debug, Deserialize)]
struct Jwks {
    keys: Vec<serde_json::Value>,
}

/// What Stepwise takes from a verified ID token. Accounts are found by (`iss`, `sub`);
/// `preferred_username` is only shown, never trusted to name an account.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: serde_json::Value,
    pub exp: i64,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
}

fn client() -> Result<reqwest::Client, OidcError> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| OidcError::Unreachable(e.to_string()))
}

/// The PKCE challenge for a verifier (S256).
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Reads the provider's discovery document.
pub async fn discover(cfg: &OidcConfig) -> Result<Discovery, OidcError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        cfg.issuer.trim_end_matches('/')
    );
    let d = client()?
        .get(&url)
        .send()
        .await
        .map_err(|e| OidcError::Unreachable(e.to_string()))?
        .error_for_status()
        .map_err(|e| OidcError::Unreachable(e.to_string()))?
        .json::<Discovery>()
        .await
        .map_err(|e| OidcError::BadAnswer(e.to_string()))?;
    check_issuer(&d, cfg)?;
    Ok(d)
}

/// The discovery document must name the configured issuer (OpenID Connect Discovery 1.0,
/// section 4.3): a document served for another issuer is refused, so its endpoints and keys
/// are never used.
fn check_issuer(d: &Discovery, cfg: &OidcConfig) -> Result<(), OidcError> {
    if d.issuer.trim_end_matches('/') != cfg.issuer_id() {
        return Err(OidcError::Rejected(format!(
            "the discovery document is for issuer {}, not the configured {}",
            d.issuer,
            cfg.issuer_id()
        )));
    }
    Ok(())
}

/// Where to send the person: the provider's authorization endpoint with our parameters.
pub fn authorization_url(
    d: &Discovery,
    cfg: &OidcConfig,
    state: &str,
    nonce: &str,
    verifier: &str,
) -> String {
    let enc = crate::pages::encode_component;
    format!(
        "{}?response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&nonce={}&code_challenge={}&code_challenge_method=S256",
        d.authorization_endpoint,
        enc(&cfg.client_id),
        enc(&cfg.redirect_url),
        enc("openid profile"),
        enc(state),
        enc(nonce),
        enc(&challenge(verifier)),
    )
}

/// Exchanges the code for an ID token and checks it; returns its claims.
pub async fn finish(
    d: &Discovery,
    cfg: &OidcConfig,
    code: &str,
    verifier: &str,
    nonce: &str,
) -> Result<Claims, OidcError> {
    check_issuer(d, cfg)?;
    let http = client()?;
    let answer: TokenAnswer = http
        .post(&d.token_endpoint)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", cfg.redirect_url.as_str()),
            ("client_id", cfg.client_id.as_str()),
            ("client_secret", cfg.client_secret.expose_secret()),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .map_err(|e| OidcError::Unreachable(e.to_string()))?
        .error_for_status()
        .map_err(|e| OidcError::Rejected(format!("the code was refused ({e})")))?
        .json()
        .await
        .map_err(|e| OidcError::BadAnswer(e.to_string()))?;
    let jwks: Jwks = http
        .get(&d.jwks_uri)
        .send()
        .await
        .map_err(|e| OidcError::Unreachable(e.to_string()))?
        .json()
        .await
        .map_err(|e| OidcError::BadAnswer(e.to_string()))?;
    let keys: Vec<Jwk> = jwks
        .keys
        .into_iter()
        .filter_map(|k| serde_json::from_value(k).ok())
        .collect();
    verify(&answer.id_token, &keys, d, cfg, nonce)
}

/// Checks an ID token with `jsonwebtoken`: an RS256 signature by one of the provider's keys,
/// the issuer (the configured one), the audience (this client), expiry (a minute's leeway for
/// clocks) and the nonce of this sign-in.
fn verify(
    token: &str,
    keys: &[Jwk],
    d: &Discovery,
    cfg: &OidcConfig,
    nonce: &str,
) -> Result<Claims, OidcError> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|e| OidcError::BadAnswer(format!("the ID token is not a JWT ({e})")))?;
    if header.alg != Algorithm::RS256 {
        return Err(OidcError::Rejected(format!(
            "signed with {:?}, not RS256",
            header.alg
        )));
    }
    let key = keys
        .iter()
        .filter(|k| matches!(k.algorithm, jsonwebtoken::jwk::AlgorithmParameters::RSA(_)))
        .find(|k| header.kid.is_none() || k.common.key_id == header.kid)
        .ok_or_else(|| OidcError::Rejected("no published key matches the token".into()))?;
    let key = DecodingKey::from_jwk(key).map_err(|e| OidcError::BadAnswer(format!("key: {e}")))?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[d.issuer.as_str()]);
    v.set_audience(&[cfg.client_id.as_str()]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = 60;
    let claims = jsonwebtoken::decode::<Claims>(token, &key, &v)
        .map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            OidcError::Rejected(match e.kind() {
                ErrorKind::InvalidSignature => "the signature does not match".to_string(),
                ErrorKind::ExpiredSignature => "the token has expired".to_string(),
                ErrorKind::InvalidIssuer => format!("not issued by {}", d.issuer),
                ErrorKind::InvalidAudience => "the token is for another service".to_string(),
                other => format!("{other:?}"),
            })
        })?
        .claims;
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(OidcError::Rejected(
            "the token does not answer this sign-in".into(),
        ));
    }
    if claims.sub.is_empty() {
        return Err(OidcError::Rejected("the token names no subject".into()));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pkce_challenge_is_rfc_7636_s256() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn malformed_tokens_are_refused_plainly() {
        let d = Discovery {
            issuer: "http://idp".into(),
            authorization_endpoint: String::new(),
            token_endpoint: String::new(),
            jwks_uri: String::new(),
        };
        let cfg = OidcConfig {
            issuer: "http://idp".into(),
            client_id: "stepwise".into(),
            client_secret: SecretString::from("the-client-secret"),
            redirect_url: String::new(),
        };
        assert!(matches!(
            verify("not a token", &[], &d, &cfg, "n"),
            Err(OidcError::BadAnswer(_))
        ));
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let body = URL_SAFE_NO_PAD.encode(
            br#"{"iss":"http://idp","sub":"x","aud":"stepwise","exp":9999999999,"nonce":"n"}"#,
        );
        let unsigned = format!("{header}.{body}.");
        assert!(
            verify(&unsigned, &[], &d, &cfg, "n").is_err(),
            "an unsigned token is never accepted"
        );
    }

    /// Issue 6 item 9: a discovery document for another issuer is refused.
    #[test]
    fn a_discovery_document_for_another_issuer_is_refused() {
        let cfg = OidcConfig {
            issuer: "https://idp.council.example/".into(),
            client_id: "stepwise".into(),
            client_secret: SecretString::from("the-client-secret"),
            redirect_url: String::new(),
        };
        let d = |issuer: &str| Discovery {
            issuer: issuer.into(),
            authorization_endpoint: String::new(),
            token_endpoint: String::new(),
            jwks_uri: String::new(),
        };
        assert!(check_issuer(&d("https://idp.council.example"), &cfg).is_ok());
        assert!(matches!(
            check_issuer(&d("https://evil.example"), &cfg),
            Err(OidcError::Rejected(m)) if m.contains("evil.example")
        ));
    }

    /// Issue 6 item 9: the client secret never shows in `Debug` output.
    #[test]
    fn debug_does_not_show_the_client_secret() {
        let cfg = OidcConfig {
            issuer: "https://idp.council.example".into(),
            client_id: "stepwise".into(),
            client_secret: SecretString::from("the-client-secret"),
            redirect_url: String::new(),
        };
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("the-client-secret"), "{shown}");
    }
}
