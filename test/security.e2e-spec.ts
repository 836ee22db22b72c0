import { randomUUID } from 'node:crypto';
import { E2E_JWT_SECRET, SPARE_PORTS } from './e2e-env';
import { AppProcess, TestSystem, dayFromToday, eventually, newCustomer, newLocation, request } from './harness';
import { RentalApi } from './rental-api';
import { ADMIN, as, asRentalFor, fromService, token } from './tokens';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Every public route of the API, as a client reaches it through the gateway. */
const PROTECTED: [string, string][] = [
  ['POST', '/rentals'],
  ['GET', `/rentals/${UNKNOWN_ID}`],
  ['DELETE', `/rentals/${UNKNOWN_ID}`],
  ['GET', `/rental-views/${UNKNOWN_ID}`],
  ['GET', '/rental-views'],
  ['GET', '/notifications'],
  ['GET', `/allocations/${UNKNOWN_ID}`],
  ['GET', '/storage-units?location=berlin'],
  ['POST', '/storage-units'],
];

/** What helmet sends with our CSP (edge-security.ts): Swagger UI's inline styles and scripts allowed, nothing from elsewhere. */
const EXPECTED_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;" +
    "object-src 'none';script-src 'self' 'unsafe-inline';script-src-attr 'none';style-src 'self' 'unsafe-inline';upgrade-insecure-requests",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};
const SECURITY_HEADERS = Object.keys(EXPECTED_SECURITY_HEADERS);

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

/** Tokens a client could make without the key, or with it but wrongly. */
const BAD_TOKENS: [string, Record<string, string>, RegExp][] = [
  ['no Authorization header', {}, /Bearer <token> is required/],
  ['a Basic header', { authorization: 'Basic YWxpY2U6c2VjcmV0' }, /Bearer <token> is required/],
  ['a token that is not a JWT', bearer('not-a-jwt'), /not valid/],
  [
    'a token signed with another key',
    bearer(token('alice', 'customer', { secret: 'some-other-secret-that-is-long-enough!!' })),
    /not valid/,
  ],
  ['an expired token', bearer(token('alice', 'customer', { expiresIn: -60 })), /expired/],
  ['an unsigned token (alg none)', bearer(token('alice', 'admin', { alg: 'none' })), /signed with HS256/],
  ['a token with an unknown role', bearer(token('alice', 'root')), /role/],
  ['a token whose sub is too long to be a customer id', bearer(token('c'.repeat(65))), /sub/],
];

describe('security: who may do what, through the gateway', () => {
  let system: TestSystem;
  let api: RentalApi;

  beforeAll(async () => {
    system = await TestSystem.start();
    api = new RentalApi(system.gateway);
  });

  afterAll(() => system.stop());

  describe('authentication', () => {
    it.each(BAD_TOKENS)(
      'answers 401 with a JSON error and a Bearer challenge for %s, on every API route',
      async (_name, headers, message) => {
        for (const [method, path] of PROTECTED) {
          const answer = await request(method, `${system.gateway}${path}`, method === 'POST' ? {} : undefined, headers);
          expect([method, path, answer.status]).toEqual([method, path, 401]);
          expect(answer.body).toEqual({
            type: 'about:blank',
            title: 'Unauthorized',
            status: 401,
            detail: expect.stringMatching(message),
            statusCode: 401,
            error: 'Unauthorized',
            message: expect.stringMatching(message),
          });
          expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
          expect(answer.headers.get('x-correlation-id')).toBeTruthy();
        }
      },
    );

    it('keeps /health*, /docs*, /metrics open', async () => {
      for (const path of ['/health', '/health/live', '/health/ready', '/metrics', '/docs', '/docs-json']) {
        expect([path, (await request('GET', `${system.gateway}${path}`)).status]).toEqual([path, 200]);
      }
    });

    it('does not route rental’s internal call to manage (POST /allocations) for clients', async () => {
      const customerId = newCustomer();
      const answer = await request(
        'POST',
        `${system.gateway}/allocations`,
        {
          rentalId: randomUUID(),
          customerId,
          location: 'berlin',
          size: 'S',
          startDate: dayFromToday(3),
          endDate: dayFromToday(3),
        },
        as(customerId),
      );
      expect(answer.status).toBe(404);
    });

    it('never writes a bearer token to a log', async () => {
      const secretToken = token(newCustomer());
      await request('GET', `${system.gateway}/rental-views?page=1`, undefined, bearer(secretToken));
      await eventually(
        async () => system.app('view').output.join('\n'),
        (out) => out.includes('"url":"/rental-views?page=1"'),
        {
          message: 'view did not log the request',
        },
      );
      for (const app of ['gateway', 'rental', 'manage', 'assign', 'view'] as const) {
        expect([app, system.app(app).output.some((line) => line.includes(secretToken.split('.')[2]))]).toEqual([app, false]);
      }
    });
  });

  describe('customers and their own rentals', () => {
    it('takes the customer from the token; a body naming another customer gets 403', async () => {
      const alice = newCustomer();
      const own = await api.apply({ customerId: undefined }, as(alice));
      expect(own.status).toBe(201);
      expect(own.body.customerId).toBe(alice);

      const forBob = await api.apply({ customerId: newCustomer() }, as(alice));
      expect(forBob.status).toBe(403);
      expect(forBob.body).toEqual(expect.objectContaining({ statusCode: 403, message: 'A customer may act only for themselves' }));
    });

    it('answers 404 to another customer reading or cancelling a rental, and leaves the rental as it was', async () => {
      const owner = newCustomer();
      const rental = await api.apply({ customerId: owner });
      await api.viewWithStatus(rental.body.id, 'CONFIRMED');
      const mallory = as(newCustomer());
      const unknownRead = (await request('GET', `${system.gateway}/rentals/${UNKNOWN_ID}`, undefined, mallory)).body;

      for (const path of [`/rentals/${rental.body.id}`, `/rental-views/${rental.body.id}`, `/allocations/${rental.body.id}`]) {
        const answer = await request('GET', `${system.gateway}${path}`, undefined, mallory);
        expect([path, answer.status]).toEqual([path, 404]);
      }
      // Word for word what an id that does not exist gets, but for the id itself.
      const read = await request('GET', `${system.gateway}/rentals/${rental.body.id}`, undefined, mallory);
      expect(read.body).toEqual({
        ...unknownRead,
        message: unknownRead.message.replace(UNKNOWN_ID, rental.body.id),
        detail: unknownRead.detail.replace(UNKNOWN_ID, rental.body.id),
      });
      const cancel = await request('DELETE', `${system.gateway}/rentals/${rental.body.id}`, undefined, mallory);
      expect(cancel.status).toBe(404);

      // rental's own state follows the view's (each consumes StorageAssigned on its own).
      await eventually(
        () => api.rental(rental.body.id),
        (a) => a.body.status === 'CONFIRMED',
      );
      expect((await api.cancel(rental.body.id)).status).toBe(200);
    });

    it('lists only the caller’s own rentals and notifications; naming another customer gets 403', async () => {
      const alice = newCustomer();
      const bob = newCustomer();
      const alices = await api.apply({ customerId: alice });
      const bobs = await api.apply({ customerId: bob });
      await api.viewWithStatus(alices.body.id, 'CONFIRMED');
      await api.viewWithStatus(bobs.body.id, 'CONFIRMED');

      for (const resource of ['rental-views', 'notifications']) {
        const own = await eventually(
          () => request('GET', `${system.gateway}/${resource}`, undefined, as(alice)),
          (a) => a.body.total === 1,
        );
        expect(own.body.items.map((item: { customerId: string }) => item.customerId)).toEqual([alice]);
        const other = await request('GET', `${system.gateway}/${resource}?customerId=${bob}`, undefined, as(alice));
        expect([resource, other.status]).toEqual([resource, 403]);
      }
    });
  });

  describe('admins', () => {
    it('may apply for, read, list and cancel any customer’s rentals', async () => {
      const customerId = newCustomer();
      const applied = await api.apply({ customerId }, ADMIN);
      expect(applied.status).toBe(201);
      expect(applied.body.customerId).toBe(customerId);
      await api.viewWithStatus(applied.body.id, 'CONFIRMED');

      expect((await request('GET', `${system.gateway}/rentals/${applied.body.id}`, undefined, ADMIN)).status).toBe(200);
      const everyone = await request('GET', `${system.gateway}/rental-views?pageSize=100`, undefined, ADMIN);
      expect(everyone.body.total).toBeGreaterThan(1);
      const theirs = await request('GET', `${system.gateway}/rental-views?customerId=${customerId}`, undefined, ADMIN);
      expect(theirs.body.items.map((v: { id: string }) => v.id)).toEqual([applied.body.id]);
      expect((await request('DELETE', `${system.gateway}/rentals/${applied.body.id}`, undefined, ADMIN)).status).toBe(200);
    });

    it('must name the customer when applying: 400 naming customerId', async () => {
      const answer = await api.apply({ customerId: undefined }, ADMIN);
      expect(answer.status).toBe(400);
      expect(answer.body.field).toBe('customerId');
    });

    it('are the only ones who may add storage units: 403 for a customer', async () => {
      const location = newLocation();
      const unit = { code: `${location}-S-1`, location, size: 'S' };
      const refused = await request('POST', `${system.gateway}/storage-units`, unit, as(newCustomer()));
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual(
        expect.objectContaining({
          title: 'Forbidden',
          status: 403,
          detail: 'Only an admin may do this',
          statusCode: 403,
          message: 'Only an admin may do this',
        }),
      );
      expect((await request('GET', `${system.gateway}/storage-units?location=${location}`, undefined, as(newCustomer()))).body).toEqual([]);
      expect((await request('POST', `${system.gateway}/storage-units`, unit, ADMIN)).status).toBe(201);
    });
  });

  describe('requests that reach an app around the gateway', () => {
    it.each(['rental', 'manage', 'assign', 'view'] as const)(
      '%s verifies the token itself: none, forged or unsigned gets 401',
      async (app) => {
        const path = {
          rental: `/rentals/${UNKNOWN_ID}`,
          manage: `/allocations/${UNKNOWN_ID}`,
          assign: '/storage-units',
          view: '/rental-views',
        }[app];
        const url = `${system.app(app).url}${path}`;
        const forged = token('e2e-admin', 'admin', { secret: 'a-guess-at-the-secret-that-is-long-enough' });
        expect((await request('GET', url)).status).toBe(401);
        // An identity in a header of its own is not how apps learn who calls: only the signed token counts.
        expect((await request('GET', url, undefined, { 'x-customer-id': 'e2e-admin', 'x-user-role': 'admin' })).status).toBe(401);
        expect((await request('GET', url, undefined, bearer(forged))).status).toBe(401);
        expect((await request('GET', url, undefined, bearer(token('e2e-admin', 'admin', { alg: 'none' })))).status).toBe(401);
        expect((await request('GET', url, undefined, ADMIN)).status).not.toBe(401);
      },
    );

    it('manage refuses an allocation rental requests for another customer than the token’s (403)', async () => {
      const answer = await request(
        'POST',
        `${system.app('manage').url}/allocations`,
        {
          rentalId: randomUUID(),
          customerId: newCustomer(),
          location: 'berlin',
          size: 'S',
          startDate: dayFromToday(3),
          endDate: dayFromToday(3),
        },
        asRentalFor(newCustomer()),
      );
      expect(answer.status).toBe(403);
    });
  });

  describe('only rental creates allocations: manage checks a service token beside the caller’s', () => {
    const WITHOUT_RENTALS_IDENTITY: [string, Record<string, string>][] = [
      ['no service token', {}],
      ['a service token signed with the customers’ key', fromService('rental', { secret: E2E_JWT_SECRET })],
      ['an expired service token', fromService('rental', { expiresIn: -60 })],
      ['a service token meant for another app', fromService('rental', { aud: 'assign' })],
      ['a service token of another app', fromService('view')],
      ['a token with the service key but a customer’s role', fromService('rental', { role: 'customer' })],
    ];

    it.each(WITHOUT_RENTALS_IDENTITY)(
      'a customer or an admin POSTing /allocations straight to manage with %s gets 403, and no unit is held',
      async (_name, service) => {
        const location = newLocation();
        await api.addUnits(location, 'S', 1);
        const customerId = newCustomer();
        for (const caller of [as(customerId), ADMIN]) {
          const rentalId = randomUUID();
          const held = { rentalId, customerId, location, size: 'S', startDate: dayFromToday(3), endDate: dayFromToday(3) };
          const answer = await request('POST', `${system.app('manage').url}/allocations`, held, { ...caller, ...service });
          expect([answer.status, answer.body.message]).toEqual([403, expect.stringMatching(/service token|may not call/)]);
          expect((await request('GET', `${system.app('manage').url}/allocations/${rentalId}`, undefined, ADMIN)).status).toBe(404);
        }
        // The one unit is still free on that day: a real application gets it.
        const rental = await api.apply({ customerId, location, size: 'S', startDate: dayFromToday(3), endDate: dayFromToday(3) });
        expect(rental.status).toBe(201);
        await api.viewWithStatus(rental.body.id, 'CONFIRMED');
      },
    );
  });

  describe('abuse limits', () => {
    it('refuses a body over 64 KiB with 413 at the gateway, before any app reads it', async () => {
      const customerId = newCustomer();
      const answer = await request('POST', `${system.gateway}/rentals`, { customerId, phone: '1'.repeat(70_000) }, as(customerId));
      expect(answer.status).toBe(413);
      expect(answer.body).toEqual(expect.objectContaining({ statusCode: 413, error: 'Payload Too Large' }));
    });

    it('sends helmet’s security headers on every answer: proxied, its own, refusals and the docs', async () => {
      const answers = [
        await request('GET', `${system.gateway}/rental-views`, undefined, as(newCustomer())),
        await request('GET', `${system.gateway}/health/live`),
        await request('GET', `${system.gateway}/rental-views`),
        await request('GET', `${system.gateway}/docs`),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 200]);
      for (const answer of answers) {
        expect(Object.fromEntries(SECURITY_HEADERS.map((name) => [name, answer.headers.get(name)]))).toEqual(EXPECTED_SECURITY_HEADERS);
        expect(answer.headers.get('x-powered-by')).toBeNull();
      }
    });

    it('allows no cross-origin calls unless CORS_ORIGINS names the origin', async () => {
      const preflight = (origin: string) =>
        request('OPTIONS', `${system.gateway}/rentals`, undefined, {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        });
      expect((await preflight('https://app.example')).headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

describe('security: a gateway with a low rate limit and CORS for one origin', () => {
  let system: TestSystem;
  let gateway: AppProcess;
  const LIMIT = 5;

  beforeAll(async () => {
    system = await TestSystem.start({ apps: ['view'] });
    gateway = await new AppProcess('gateway', SPARE_PORTS[0], {
      GATEWAY_PORT: String(SPARE_PORTS[0]),
      RATE_LIMIT_MAX: String(LIMIT),
      RATE_LIMIT_WINDOW_MS: '60000',
      CORS_ORIGINS: 'https://app.example,https://admin.example',
    })
      .start()
      .waitReady();
  });

  afterAll(async () => {
    await gateway.stop();
    await system.stop();
  });

  const list = (headers: Record<string, string>) => request('GET', `${gateway.url}/rental-views`, undefined, headers);

  // First: preflights carry no token, so they count against the address's budget, which a later test spends.
  it('answers a preflight for a configured origin, and not for another', async () => {
    const preflight = (origin: string) =>
      request('OPTIONS', `${gateway.url}/rentals`, undefined, {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      });
    const allowed = await preflight('https://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 429 with Retry-After once a customer has used the budget, and serves other customers', async () => {
    const flooder = as(newCustomer());
    const statuses = [];
    for (let i = 0; i < LIMIT + 3; i++) statuses.push((await list(flooder)).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429, 429, 429]);

    const throttled = await list(flooder);
    expect(throttled.body).toEqual(expect.objectContaining({ statusCode: 429, error: 'Too Many Requests' }));
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    expect((await list(as(newCustomer()))).status).toBe(200);
  });

  it('throttles a flood of bad tokens by address, which X-Forwarded-For cannot fake, and never the health probes', async () => {
    const statuses = [];
    // TRUST_PROXY_HOPS is 0 here: no proxy in front, so a client-sent X-Forwarded-For is not believed.
    for (let i = 0; i < LIMIT + 2; i++)
      statuses.push((await list({ ...bearer(`forged-${i}`), 'x-forwarded-for': `198.51.100.${i}` })).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429, 429]);
    for (let i = 0; i < LIMIT * 3; i++) expect((await request('GET', `${gateway.url}/health/live`)).status).toBe(200);
  });
});
