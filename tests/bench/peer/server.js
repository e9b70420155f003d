// tests/bench/peer/server.js: the benchmark's peer, node oidc-provider
// (the version package-lock.json pins), one process, everything in its
// memory (a Map adapter below), one ES256 signing key made at
// start.  tests/bench/run starts it on a loopback port:
//
//   node server.js PORT CLIENT_ID CLIENT_SECRET
//
// It has one confidential client (client_secret_basic, client_credentials,
// scopes "read write") and the token and introspection endpoints at our
// paths (/oauth/token, /oauth/introspect), so that the bench's wrk scripts
// drive both servers alike.  XV_PEER_TOKEN_FORMAT: "jwt" (default; access
// tokens are ES256 JWTs, as ours are, through a default resource server)
// or "opaque" (the library's default format).  Prints "listening" once
// it accepts connections.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, clientId, clientSecret] = process.argv.slice(2);
if (!port || !clientId || !clientSecret) {
  console.error('usage: node server.js PORT CLIENT_ID CLIENT_SECRET');
  process.exit(2);
}
const format = process.env.XV_PEER_TOKEN_FORMAT || 'jwt';
const resource = 'urn:xavyo:bench';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench', alg: 'ES256', use: 'sig' };

const features = {
  devInteractions: { enabled: false },
  clientCredentials: { enabled: true },
  introspection: { enabled: true },
};
if (format === 'jwt') {
  features.resourceIndicators = {
    enabled: true,
    defaultResource: () => resource,
    useGrantedResource: () => true,
    getResourceServerInfo: () => ({
      scope: 'read write',
      accessTokenFormat: 'jwt',
      accessTokenTTL: 900,
      jwt: { sign: { alg: 'ES256' } },
    }),
  };
}

// The library's development adapter is an LRU of 1,000 entries, too few
// for 10,000 distinct tokens: this one keeps every model in a Map until
// it expires (still one process's memory).
class MapAdapter {
  static store = new Map();

  constructor(name) { this.name = name; }

  key(id) { return `${this.name}:${id}`; }

  async upsert(id, payload, expiresIn) {
    MapAdapter.store.set(this.key(id),
      { payload, exp: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
  }

  async find(id) {
    const e = MapAdapter.store.get(this.key(id));
    if (!e) return undefined;
    if (e.exp < Date.now()) { MapAdapter.store.delete(this.key(id)); return undefined; }
    return e.payload;
  }

  async findByUserCode() { return undefined; }

  async findByUid() { return undefined; }

  async consume(id) { const p = await this.find(id); if (p) p.consumed = Math.floor(Date.now() / 1000); }

  async destroy(id) { MapAdapter.store.delete(this.key(id)); }

  async revokeByGrantId() {}
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
    scope: 'read write',
  }],
  adapter: MapAdapter,
  jwks: { keys: [jwk] },
  scopes: ['read', 'write'],
  features,
  ttl: { ClientCredentials: 900 },
  cookies: { keys: [clientSecret] },
  routes: { token: '/oauth/token', introspection: '/oauth/introspect' },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

provider.listen(Number(port), '127.0.0.1', () => console.log('listening'));
