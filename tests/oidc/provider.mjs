// A real OpenID Connect provider for the single sign-on tests (node-oidc-provider).
// Usage: node provider.mjs PORT REDIRECT_URI
// One confidential client, "quiz" / "quiz-secret". The provider's own login page (dev
// interactions) takes any login as the account id; the account's claims are made from it:
// "ana" is ana@school.example, verified, and "teacher-..." carries groups ["teachers"].
import Provider from 'oidc-provider';

const [port, redirectUri] = [Number(process.argv[2]), process.argv[3]];
const issuer = `http://127.0.0.1:${port}`;

const configuration = {
  clients: [{
    client_id: 'quiz',
    client_secret: 'quiz-secret',
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  conformIdTokenClaims: false, // the claims go in the ID token too, as many school IdPs do
  cookies: { keys: ['quiz-test-only'] },
  findAccount: async (ctx, id) => ({
    accountId: id,
    async claims() {
      return {
        sub: `sub-${id}`,
        email: `${id}@school.example`,
        email_verified: !id.startsWith('unverified'),
        name: `Student ${id}`,
        groups: id.startsWith('teacher') ? ['staff', 'teachers'] : ['pupils'],
      };
    },
  }),
};

const provider = new Provider(issuer, configuration);
provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
