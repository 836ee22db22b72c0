import { ConfigService } from '@nestjs/config';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { AuthConfig } from './auth.config';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

const SECRET = 'a-unit-test-secret-of-at-least-32-characters';
const config = { get: (key: keyof AuthConfig) => ({ JWT_SECRET: SECRET })[key as 'JWT_SECRET'] } as unknown as ConfigService<
  AuthConfig,
  true
>;

function sign(claims: Record<string, unknown>, { secret = SECRET, expiresIn = '1h' } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

describe('TokenVerifier', () => {
  afterEach(() => jest.useRealTimers());

  it('reads the caller from a valid token', async () => {
    const caller = await new TokenVerifier(config).verify(`Bearer ${await sign({ sub: 'alice', role: 'customer' })}`);
    expect([caller.id, caller.role]).toEqual(['alice', 'customer']);
  });

  it('refuses a token signed with another key, without exp, or with no role', async () => {
    const verifier = new TokenVerifier(config);
    await expect(
      verifier.verify(`Bearer ${await sign({ sub: 'a', role: 'admin' }, { secret: 'another-secret-of-at-least-32-characters!' })}`),
    ).rejects.toThrow(InvalidTokenError);
    const noExp = await new SignJWT({ sub: 'a', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
    await expect(verifier.verify(`Bearer ${noExp}`)).rejects.toThrow('exp');
    await expect(verifier.verify(`Bearer ${await sign({ sub: 'a' })}`)).rejects.toThrow('role');
  });

  it('remembers a verified token only until it expires', async () => {
    jest.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const verifier = new TokenVerifier(config);
    const token = `Bearer ${await sign({ sub: 'alice', role: 'customer' }, { expiresIn: '60s' })}`;
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first); // the same object: from the cache
    jest.setSystemTime(Date.parse('2030-01-01T00:01:01Z'));
    await expect(verifier.verify(token)).rejects.toThrow('the token has expired');
  });
});

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

describe('TokenVerifier with the issuer keys at JWT_JWKS_URL (production)', () => {
  let server: Server;
  let jwksUrl: string;
  let issuerKey: SigningKey;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    issuerKey = privateKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const production = () =>
    new TokenVerifier({ get: (key: keyof AuthConfig) => (key === 'JWT_JWKS_URL' ? jwksUrl : undefined) } as unknown as ConfigService<
      AuthConfig,
      true
    >);
  const signRs256 = (key: SigningKey) =>
    new SignJWT({ sub: 'alice', role: 'customer' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setExpirationTime('1h').sign(key);

  it('accepts a token the issuer signed, fetching its keys', async () => {
    const caller = await production().verify(`Bearer ${await signRs256(issuerKey)}`);
    expect([caller.id, caller.role]).toEqual(['alice', 'customer']);
  });

  it('refuses a token signed with another RS256 key, and an HS256 token', async () => {
    const { privateKey: stranger } = await generateKeyPair('RS256');
    await expect(production().verify(`Bearer ${await signRs256(stranger)}`)).rejects.toThrow(InvalidTokenError);
    await expect(production().verify(`Bearer ${await sign({ sub: 'alice', role: 'customer' })}`)).rejects.toThrow('RS256');
  });
});
