//! Signing in through the authority's own identity provider (OpenID Connect, authorization code
//! flow with PKCE). Stepwise sends the person to the provider with a fresh state, nonce and code
//! challenge; on their return it exchanges the code for an ID token, checks the token's RS256
//! signature against the provider's published keys, its issuer, audience, expiry and nonce, and
//! signs in the Stepwise account whose username is the token's `preferred_username`. Accounts
//! are still made in Stepwise, so roles stay in the access policy; the provider proves who the
//! person is. The second factor rules apply as for a password sign-in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPublicKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// An authority's identity provider, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// The provider's issuer URL (its discovery document is under `/.well-known/`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// This service's callback, `https://…/sign-in/oidc/callback`, as registered with the provider.
    pub redirect_url: String,
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

#[derive(Debug, Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// What Stepwise takes from a verified ID token.
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
    client()?
        .get(&url)
        .send()
        .await
        .map_err(|e| OidcError::Unreachable(e.to_string()))?
        .error_for_status()
        .map_err(|e| OidcError::Unreachable(e.to_string()))?
        .json::<Discovery>()
        .await
        .map_err(|e| OidcError::BadAnswer(e.to_string()))
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
    now: i64,
) -> Result<Claims, OidcError> {
    let http = client()?;
    let answer: TokenAnswer = http
        .post(&d.token_endpoint)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", cfg.redirect_url.as_str()),
            ("client_id", cfg.client_id.as_str()),
            ("client_secret", cfg.client_secret.as_str()),
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
    verify(&answer.id_token, &jwks.keys, d, cfg, nonce, now)
}

fn part<T: serde::de::DeserializeOwned>(b64: &str, what: &str) -> Result<T, OidcError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(b64)
        .map_err(|e| OidcError::BadAnswer(format!("{what}: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| OidcError::BadAnswer(format!("{what}: {e}")))
}

/// Checks an ID token: RS256 signature by one of the provider's keys, issuer, audience, expiry
/// and nonce.
fn verify(
    token: &str,
    keys: &[Jwk],
    d: &Discovery,
    cfg: &OidcConfig,
    nonce: &str,
    now: i64,
) -> Result<Claims, OidcError> {
    let pieces: Vec<&str> = token.split('.').collect();
    let [h, p, s] = pieces.as_slice() else {
        return Err(OidcError::BadAnswer("the ID token is not a JWT".into()));
    };
    let header: Header = part(h, "token header")?;
    if header.alg != "RS256" {
        return Err(OidcError::Rejected(format!(
            "signed with {}, not RS256",
            header.alg
        )));
    }
    let key = keys
        .iter()
        .filter(|k| k.kty == "RSA")
        .find(|k| header.kid.is_none() || k.kid == header.kid)
        .ok_or_else(|| OidcError::Rejected("no published key matches the token".into()))?;
    let n = URL_SAFE_NO_PAD
        .decode(key.n.as_deref().unwrap_or(""))
        .map_err(|e| OidcError::BadAnswer(format!("key: {e}")))?;
    let e = URL_SAFE_NO_PAD
        .decode(key.e.as_deref().unwrap_or(""))
        .map_err(|e| OidcError::BadAnswer(format!("key: {e}")))?;
    let public = RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e))
        .map_err(|e| OidcError::BadAnswer(format!("key: {e}")))?;
    let signature = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| OidcError::BadAnswer(format!("signature: {e}")))?;
    let signature = Signature::try_from(signature.as_slice())
        .map_err(|e| OidcError::BadAnswer(format!("signature: {e}")))?;
    VerifyingKey::<Sha256>::new(public)
        .verify(format!("{h}.{p}").as_bytes(), &signature)
        .map_err(|_| OidcError::Rejected("the signature does not match".into()))?;
    let claims: Claims = part(p, "token claims")?;
    if claims.iss != d.issuer {
        return Err(OidcError::Rejected(format!(
            "issued by {}, not {}",
            claims.iss, d.issuer
        )));
    }
    let for_us = match &claims.aud {
        serde_json::Value::String(a) => *a == cfg.client_id,
        serde_json::Value::Array(v) => v.iter().any(|a| a.as_str() == Some(&cfg.client_id)),
        _ => false,
    };
    if !for_us {
        return Err(OidcError::Rejected(
            "the token is for another service".into(),
        ));
    }
    if claims.exp <= now {
        return Err(OidcError::Rejected("the token has expired".into()));
    }
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(OidcError::Rejected(
            "the token does not answer this sign-in".into(),
        ));
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
            client_secret: String::new(),
            redirect_url: String::new(),
        };
        assert!(matches!(
            verify("not a token", &[], &d, &cfg, "n", 0),
            Err(OidcError::BadAnswer(_))
        ));
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let body = URL_SAFE_NO_PAD.encode(
            br#"{"iss":"http://idp","sub":"x","aud":"stepwise","exp":9999999999,"nonce":"n"}"#,
        );
        let unsigned = format!("{header}.{body}.");
        assert!(
            matches!(verify(&unsigned, &[], &d, &cfg, "n", 0), Err(OidcError::Rejected(m)) if m.contains("not RS256")),
            "an unsigned token is never accepted"
        );
    }
}
