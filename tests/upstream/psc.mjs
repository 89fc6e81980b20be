// A local OpenID provider configured like Pro Santé Connect (Keycloak), for the federation tests.
//
// Environment: PORT, ISSUER (http://127.0.0.1:PORT/auth/realms/esante-wallet), CLIENTS (JSON list
// of client metadata), ACCOUNTS (JSON object: account id -> claims; optional keys "acr" (string,
// or null for none; default "eidas1") and "amr" (list) apply to the sign-ins of that account).
// Test-only control: POST /test/faults with a JSON body sets the faults of the next token
// responses ({} clears): id_token_claims, id_token_signing_secret, token_status.
import * as http from 'node:http';

import * as jose from 'jose';

// oidc-provider prints development notices (in-memory adapter, Node.js 20, default pages...)
// through console; keep the log quiet. Its module must be loaded after this filter.
for (const level of ['info', 'warn']) {
  const print = console[level];
  console[level] = (first, ...rest) => {
    if (!String(first).startsWith('oidc-provider ')) print(first, ...rest);
  };
}
const { default: Provider } = await import('oidc-provider');

const ISSUER = process.env.ISSUER;
const PORT = Number(process.env.PORT);
const CLIENTS = JSON.parse(process.env.CLIENTS || '[]');
const ACCOUNTS = JSON.parse(process.env.ACCOUNTS || '{}');
const PREFIX = new URL(ISSUER).pathname.replace(/\/$/, '');
const KEYCLOAK = '/protocol/openid-connect';
const PSC_CLAIMS = ['SubjectNameID', 'preferred_username', 'given_name', 'family_name',
  'SubjectRefPro', 'SubjectOrganization', 'SubjectRole', 'otherIds'];

let faults = {};

async function privateJwk(alg, kid) {
  const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), kid, alg, use: 'sig' };
}
const signingKeys = [await privateJwk('RS256', 'psc-rsa'), await privateJwk('ES256', 'psc-ec')];

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head>`
    + `<body><h1>${title}</h1>${body}</body></html>`;
}

async function readBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

function loginPage(uid, error) {
  const action = `${PREFIX}/interaction/${uid}`;
  return page('Pro Santé Connect', `${error ? `<p class="error">${escape(error)}</p>` : ''}
<form id="login" method="post" action="${action}">
<label>Identifiant <input type="text" name="login" autofocus></label>
<button type="submit">Se connecter</button></form>
<form id="cancel" method="post" action="${action}/abort">
<button type="submit">Annuler</button></form>`);
}

async function finish(ctx, result) {
  const options = { mergeWithLastSubmission: false };
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, options));
}

// The login and the consent at once: no consent screen ever appears, as at PSC.
async function signIn(ctx, details, accountId) {
  const account = ACCOUNTS[accountId];
  const acr = 'acr' in account ? account.acr : 'eidas1';
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const login = { accountId, ...(acr === null ? {} : { acr }) };
  if (account.amr) login.amr = account.amr;
  return finish(ctx, { login, consent: { grantId: await grant.save() } });
}

async function interactions(ctx, next) {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/abort)?$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  ctx.type = 'html';
  if (ctx.method === 'GET' && !match[2]) {
    ctx.body = loginPage(details.uid);
  } else if (ctx.method === 'POST' && match[2]) {
    return finish(ctx, { error: 'access_denied', error_description: 'End-User cancelled' });
  } else if (ctx.method === 'POST') {
    const accountId = new URLSearchParams(await readBody(ctx.req)).get('login') || '';
    if (Object.hasOwn(ACCOUNTS, accountId)) return signIn(ctx, details, accountId);
    ctx.body = loginPage(details.uid, `Compte inconnu : ${accountId}`);
  } else {
    ctx.status = 405;
  }
  return undefined;
}

// Re-issues an id_token with the faulty claims or secret, keeping its algorithm.
async function rewriteIdToken(idToken) {
  const header = jose.decodeProtectedHeader(idToken);
  const issued = jose.decodeJwt(idToken);
  const claims = { ...issued, ...(faults.id_token_claims || {}) };
  for (const [name, value] of Object.entries(claims)) if (value === null) delete claims[name];
  const secret = faults.id_token_signing_secret;
  let key;
  if (secret || header.alg === 'HS256') {
    const client = CLIENTS.find((c) => c.client_id === issued.aud);
    key = new TextEncoder().encode(secret || client.client_secret);
    header.alg = 'HS256';
    delete header.kid;
  } else {
    key = await jose.importJWK(signingKeys.find((k) => k.kid === header.kid), header.alg);
  }
  return new jose.SignJWT(claims).setProtectedHeader(header).sign(key);
}

async function tokenFaults(ctx, next) {
  if (ctx.path !== `${KEYCLOAK}/token` || ctx.method !== 'POST') return next();
  if (faults.token_status) {
    ctx.status = faults.token_status;
    ctx.type = 'html';
    ctx.body = page('Service Unavailable', '<p>Pro Santé Connect est indisponible.</p>');
    return undefined;
  }
  await next();
  const rewrite = faults.id_token_claims || faults.id_token_signing_secret;
  if (ctx.status === 200 && rewrite && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: await rewriteIdToken(ctx.body.id_token) };
  }
  return undefined;
}

async function logoutSource(ctx, form) {
  const button = '<button type="submit" name="logout" value="yes">Se déconnecter</button>';
  ctx.type = 'html';
  ctx.body = page('Déconnexion', form.replace('</form>', `${button}</form>`));
}

const provider = new Provider(ISSUER, {
  clients: CLIENTS,
  jwks: { keys: signingKeys },
  cookies: { keys: [jose.base64url.encode(crypto.getRandomValues(new Uint8Array(32)))] },
  async findAccount(ctx, id) {
    if (!Object.hasOwn(ACCOUNTS, id)) return undefined;
    const { acr, amr, ...claims } = ACCOUNTS[id];
    return { accountId: id, claims: async () => ({ ...claims, sub: id }) };
  },
  // Like Keycloak, the id_token always carries acr (when any) and auth_time; amr when set.
  claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], scope_all: PSC_CLAIMS },
  scopes: ['openid', 'scope_all'],
  responseTypes: ['code'],
  acrValues: ['eidas1'],
  conformIdTokenClaims: false, // Keycloak also puts the scope's claims in the id_token
  clientDefaults: { token_endpoint_auth_method: 'client_secret_basic' },
  enabledJWA: {
    idTokenSigningAlgValues: ['HS256', 'RS256', 'ES256'],
    userinfoSigningAlgValues: ['HS256', 'RS256', 'ES256'],
  },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true, logoutSource },
  },
  interactions: { url: (ctx, interaction) => `${PREFIX}/interaction/${interaction.uid}` },
  routes: {
    authorization: `${KEYCLOAK}/auth`,
    token: `${KEYCLOAK}/token`,
    userinfo: `${KEYCLOAK}/userinfo`,
    jwks: `${KEYCLOAK}/certs`,
    end_session: `${KEYCLOAK}/logout`,
    revocation: `${KEYCLOAK}/revoke`,
    introspection: `${KEYCLOAK}/token/introspect`,
  },
});
provider.use(interactions);
provider.use(tokenFaults);
const callback = provider.callback();

async function control(req, res) {
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  let parsed;
  try {
    parsed = JSON.parse((await readBody(req)) || '{}');
  } catch {
    parsed = null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('expected a JSON object');
    return;
  }
  faults = parsed;
  res.writeHead(204).end();
}

http.createServer((req, res) => {
  const { pathname, search } = new URL(req.url, ISSUER);
  if (pathname === '/test/faults') return control(req, res);
  if (pathname !== PREFIX && !pathname.startsWith(`${PREFIX}/`)) return res.writeHead(404).end();
  // Mounted under the realm path, the way Express mounts it: the provider sees the rest.
  let rest = pathname.slice(PREFIX.length) || '/';
  if (rest === '/.well-known/wallet-openid-configuration') {
    rest = '/.well-known/openid-configuration'; // PSC's name for the discovery document
  }
  req.url = rest + search;
  req.originalUrl = PREFIX + req.url;
  return callback(req, res);
}).listen(PORT, '127.0.0.1', () => console.log(`listening ${ISSUER}`));
