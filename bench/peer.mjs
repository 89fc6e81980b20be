// npm's oidc-provider (the test dependency in tests/upstream) configured for the benchmark's load:
// client_credentials, introspection and refresh, with opaque access tokens, or JWT access tokens
// (RFC 9068) when ACCESS_TOKEN_FORMAT=jwt. One Node.js process, its default in-memory store.
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
const { default: Provider } = await import(pathToFileURL(upstream.resolve('oidc-provider')));

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
});
provider.listen(PORT, '127.0.0.1');
console.log(`listening ${ISSUER} (${jwtTokens ? 'jwt' : 'opaque'} access tokens)`);
