// npm's oidc-provider (the test dependency in tests/upstream) configured for the benchmark's load:
// client_credentials, introspection, authorization codes and refresh tokens that rotate, with
// opaque access tokens, or JWT access tokens (RFC 9068) when ACCESS_TOKEN_FORMAT=jwt. One Node.js
// process, its default in-memory store. Every authorization request signs in the account "bench"
// at once (the sign-in is not what this peer is measured on), with openid and offline_access.
//
// Environment: PORT, CLIENTS (JSON list of client metadata), ACCESS_TOKEN_FORMAT (opaque | jwt).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// Its notices (in-memory adapter, development keys...) would fill the log.
for (const level of ['info', 'warn']) {
  const print = console[level];
  console[level] = (first, ...rest) => {
    if (!String(first).startsWith('oidc-provider ')) print(first, ...rest);
  };
}
const upstream = createRequire(new URL('../tests/upstream/package.json', import.meta.url));
const load = (name) => import(pathToFileURL(upstream.resolve(name)));
const { default: Provider } = await load('oidc-provider');
const { default: MemoryAdapter } = await load('oidc-provider/lib/adapters/memory_adapter.js');
const { default: LRU } = await load('oidc-provider/lib/helpers/lru.js');

// Its default in-memory store keeps the 1,000 most recent entries: the pool of codes made before
// a run would be evicted before it is redeemed. The same adapter and store, large enough.
const store = new LRU({ maxSize: 1_000_000 });
const adapter = (model) => new MemoryAdapter(model, store);

const PORT = Number(process.env.PORT);
const ISSUER = `http://127.0.0.1:${PORT}`;
const RESOURCE = 'urn:bench:api';
const jwtTokens = process.env.ACCESS_TOKEN_FORMAT === 'jwt';

const features = {
  devInteractions: { enabled: false },
  clientCredentials: { enabled: true },
  introspection: { enabled: true },
};
if (jwtTokens) {
  features.resourceIndicators = {
    enabled: true,
    defaultResource: () => RESOURCE,
    useGrantedResource: () => true,
    getResourceServerInfo: () => ({ scope: 'api', accessTokenFormat: 'jwt',
      jwt: { sign: { alg: 'RS256' } } }),
  };
}

const provider = new Provider(ISSUER, {
  clients: JSON.parse(process.env.CLIENTS || '[]'),
  scopes: ['openid', 'offline_access', 'api'],
  features,
  findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true, // as the provider under test does, at every refresh
  ttl: { AuthorizationCode: 600 }, // a pool of codes is made before each run
  adapter,
});

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const grant = new provider.Grant({ accountId: 'bench', clientId: details.params.client_id });
  grant.addOIDCScope('openid offline_access');
  const result = { login: { accountId: 'bench' }, consent: { grantId: await grant.save() } };
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result,
    { mergeWithLastSubmission: false }));
  return undefined;
});
provider.listen(PORT, '127.0.0.1');
console.log(`listening ${ISSUER} (${jwtTokens ? 'jwt' : 'opaque'} access tokens)`);
