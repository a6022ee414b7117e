-- Accounts are bound to the identity provider's (issuer, subject), never to a username the
-- provider reports: a sign-in through the provider opens only the account linked to its subject.
ALTER TABLE users ADD COLUMN oidc_issuer TEXT;
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_issuer, oidc_subject);
