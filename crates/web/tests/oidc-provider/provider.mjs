// The identity provider the web tests sign in through: oidc-provider with its development
// sign-in pages (any username and password), one client for Stepwise, PKCE required.
// Usage: node provider.mjs PORT REDIRECT_URL. Prints "ready ISSUER" once it listens.
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const redirect = process.argv[3];
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: 'stepwise',
    client_secret: 'stepwise-test-secret',
    redirect_uris: [redirect],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['preferred_username', 'name'] },
  conformIdTokenClaims: false,
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, preferred_username: id, name: id }),
  }),
  features: { devInteractions: { enabled: true } },
});
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
