import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_CLASHES_NOTE } from '../apps/gateway/src/api-docs/merge-api-docs';
import { TestSystem, request } from './harness';

/** The contract as committed: a change to the API shows in review as a diff of this file. */
const COMMITTED = join(__dirname, '../api/openapi.json');

/** The public REST contract of docs/architecture.md, as OpenAPI paths and methods. */
const CONTRACT: [string, string][] = [
  ['/rentals', 'post'],
  ['/rentals/{id}', 'get'],
  ['/rentals/{id}', 'delete'],
  ['/rental-views/{id}', 'get'],
  ['/rental-views', 'get'],
  ['/notifications', 'get'],
  ['/storage-units', 'get'],
  ['/storage-units', 'post'],
  ['/allocations/{rentalId}', 'get'],
  ['/availability', 'get'],
];

describe('API documentation', () => {
  let system: TestSystem;
  let document: any;

  beforeAll(async () => {
    system = await TestSystem.start();
    const answer = await request('GET', `${system.gateway}/docs-json`);
    expect(answer.status).toBe(200);
    document = answer.body;
  });

  afterAll(() => system.stop());

  it('serves exactly the committed api/openapi.json (`npm run api:update` writes it after a change)', () => {
    if (process.env.UPDATE_API_DOCS === '1') writeFileSync(COMMITTED, `${JSON.stringify(document, null, 2)}\n`);
    expect(document).toEqual(JSON.parse(readFileSync(COMMITTED, 'utf8')));
  });

  it('holds no schema name that two apps define differently (the merge keeps the first and says so)', () => {
    expect(document.info.description).not.toContain(SCHEMA_CLASHES_NOTE);
  });

  it('gives every operation a hand-chosen operationId, a summary, a tag and a 2xx answer with a schema', () => {
    const operations = Object.values(document.paths).flatMap((methods: any) => Object.values(methods)) as any[];
    expect(operations.map((o) => o.operationId).sort()).toEqual([
      'addStorageUnit',
      'applyForRental',
      'cancelRental',
      'getAllocation',
      'getAvailability',
      'getRental',
      'getRentalView',
      'listNotifications',
      'listRentalViews',
      'listStorageUnits',
    ]);
    for (const o of operations) {
      const success = Object.entries(o.responses).find(([status]) => status.startsWith('2'))?.[1] as any;
      expect([o.operationId, Boolean(o.summary), o.tags?.length > 0, JSON.stringify(success?.content ?? {})]).toEqual([
        o.operationId,
        true,
        true,
        expect.stringContaining('"schema"'),
      ]);
    }
  });

  it.each(CONTRACT)('documents %s %s in the gateway’s combined document', (path, method) => {
    expect(document.paths[path]?.[method]).toBeDefined();
  });

  it('leaves the operational endpoints out of the public document', () => {
    expect(Object.keys(document.paths).filter((path) => /^\/(health|metrics|docs)/.test(path))).toEqual([]);
  });

  it('documents the request body and the answers of POST /rentals, errors included', () => {
    const apply = document.paths['/rentals'].post;
    expect(Object.keys(apply.responses).sort()).toEqual(expect.arrayContaining(['201', '400', '409', '422', '503']));
    expect(JSON.stringify(apply.responses['400'])).toContain('#/components/schemas/ErrorResponse');
    const body = document.components.schemas.ApplyRentalDto;
    expect(body.required).toEqual(expect.arrayContaining(['phone', 'location', 'size', 'startDate', 'endDate']));
    // The token names the customer; only an admin names one in the body.
    expect(body.required).not.toContain('customerId');
    expect(document.components.schemas.RentalResponse.properties.status.enum).toContain('CONFIRMED');
    // The Idempotency-Key once, and optional: a generated client must not demand it.
    expect(apply.parameters.map((p: any) => [p.in, p.name.toLowerCase(), p.required])).toEqual([['header', 'idempotency-key', false]]);
  });

  it.each([
    ['/rentals/{id}', 'get', '404'],
    ['/rentals/{id}', 'delete', '409'],
    ['/rental-views/{id}', 'get', '404'],
    ['/allocations/{rentalId}', 'get', '404'],
    ['/storage-units', 'post', '409'],
    ['/notifications', 'get', '400'],
  ])('documents the error answer of %s %s: %s', (path, method, status) => {
    expect(JSON.stringify(document.paths[path][method].responses[status])).toContain('#/components/schemas/ErrorResponse');
  });

  it('documents GET /availability: its query, its answer with one row per size, its 400', () => {
    const find = document.paths['/availability'].get;
    const query = Object.fromEntries(find.parameters.map((p: any) => [p.name, p.required ?? false]));
    expect(query).toEqual({ location: true, size: false, startDate: true, endDate: true });
    expect(JSON.stringify(find.responses['200'])).toContain('#/components/schemas/AvailabilityResponse');
    expect(JSON.stringify(find.responses['400'])).toContain('#/components/schemas/ErrorResponse');
    const { sizes } = document.components.schemas.AvailabilityResponse.properties;
    expect(JSON.stringify(sizes)).toContain('#/components/schemas/SizeAvailability');
    expect(Object.keys(document.components.schemas.SizeAvailability.properties).sort()).toEqual(['cost', 'freeUnits', 'size', 'units']);
  });

  it('serves exactly the committed api/asyncapi.yaml beside it, the events half of the contract', async () => {
    const answer = await request('GET', `${system.gateway}/docs-asyncapi`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/yaml');
    expect(answer.body).toBe(readFileSync(join(__dirname, '../api/asyncapi.yaml'), 'utf8'));
  });

  it('shows examples for an application', () => {
    const fields = document.components.schemas.ApplyRentalDto.properties;
    expect([fields.customerId.example, fields.size.example, fields.startDate.example]).toEqual(['alice', 'M', '2030-06-01']);
  });

  it('serves the interactive page, which loads the combined document', async () => {
    const page = await request('GET', `${system.gateway}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const init = await request('GET', `${system.gateway}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    expect(init.body).toContain('/docs-json');
  });

  it('keeps a complete document for API_DOCS_CACHE_MS, answers with what it has when an app is down, and keeps no partial one', async () => {
    // A gateway that keeps the document 600 s, so that no step below depends on how fast the machine is.
    await system.restart('gateway', { API_DOCS_CACHE_MS: '600000' });
    expect((await request('GET', `${system.gateway}/docs-json`)).status).toBe(200);
    // Kept: view going down does not change the answer.
    await system.app('view').stop();
    try {
      const kept = await request('GET', `${system.gateway}/docs-json`);
      expect([kept.status, kept.body.info.description ?? '', Boolean(kept.body.paths['/rental-views'])]).toEqual([
        200,
        expect.not.stringContaining('view'),
        true,
      ]);
      // A gateway with nothing kept yet asks the apps: it answers without view's part, and says so.
      await system.restart('gateway', { API_DOCS_CACHE_MS: '600000' });
      const partial = await request('GET', `${system.gateway}/docs-json`);
      expect(partial.status).toBe(200);
      expect(partial.body.info.description).toContain('view');
      expect(partial.body.paths['/rentals'].post).toBeDefined();
    } finally {
      await system.restart('view');
    }
    // The partial document was not kept: with view back, the next answer has it, long before 600 s.
    const complete = await request('GET', `${system.gateway}/docs-json`);
    expect([complete.body.info.description ?? '', Boolean(complete.body.paths['/rental-views'])]).toEqual([
      expect.not.stringContaining('view'),
      true,
    ]);
  });
});
