-- Sign-ins through the authority's identity provider that have left for it and not yet come
-- back: the state, nonce and PKCE verifier that the answer must match. Used once, then deleted.
CREATE TABLE oidc_logins (state TEXT PRIMARY KEY, nonce TEXT NOT NULL, verifier TEXT NOT NULL, next TEXT NOT NULL, created_at TEXT NOT NULL);
