import { ApiDocument, SCHEMA_CLASHES_NOTE, mergeApiDocs } from './merge-api-docs';
import { routeOf } from '../proxy-routes';

/** An app's document whose operations answer with every one of `schemas`. */
const doc = (paths: string[], schemas: string[] = [], methods = ['get'], schema: object = { type: 'object' }): ApiDocument => {
  const operation =
    schemas.length === 0 ? {} : { responses: { 200: { anyOf: schemas.map((name) => ({ $ref: `#/components/schemas/${name}` })) } } };
  return {
    openapi: '3.0.0',
    info: { title: 'app', version: '1' },
    paths: Object.fromEntries(paths.map((path) => [path, Object.fromEntries(methods.map((method) => [method, operation]))])),
    components: { schemas: Object.fromEntries(schemas.map((name) => [name, schema])) },
  };
};

const GET = ['GET' as const];

describe('mergeApiDocs', () => {
  it('keeps the public paths of every app, with their schemas, and drops the operational ones', () => {
    const merged = mergeApiDocs(
      [
        doc(['/rentals', '/rentals/{id}', '/health', '/metrics'], ['RentalResponse']),
        doc(['/storage-units', '/health/live'], ['AddStorageUnitDto']),
      ],
      [
        { prefix: '/rentals', methods: GET },
        { prefix: '/storage-units', methods: GET },
      ],
      [],
    );
    expect(Object.keys(merged.paths).sort()).toEqual(['/rentals', '/rentals/{id}', '/storage-units']);
    expect(Object.keys(merged.components!.schemas!).sort()).toEqual(['AddStorageUnitDto', 'RentalResponse']);
  });

  it('keeps only the methods the gateway passes on', () => {
    const merged = mergeApiDocs(
      [doc(['/allocations', '/allocations/{rentalId}'], [], ['get', 'post'])],
      [{ prefix: '/allocations', methods: GET }],
      [],
    );
    expect(merged.paths).toEqual({ '/allocations': { get: {} }, '/allocations/{rentalId}': { get: {} } });
  });

  it('requires a bearer token on every operation', () => {
    const merged = mergeApiDocs([], [], []);
    expect(merged.security).toEqual([{ bearer: [] }]);
    expect(merged.components!.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
  });

  it('does not take a path that merely starts like a public one', () => {
    expect(Object.keys(mergeApiDocs([doc(['/rentals-admin'])], [{ prefix: '/rentals', methods: GET }], []).paths)).toEqual([]);
  });

  it('keeps only the schemas the public operations use, and those they use in turn', () => {
    const app = doc(['/rentals', '/allocations'], ['RentalResponse'], ['get', 'post']);
    app.components!.schemas = {
      RentalResponse: { properties: { history: { $ref: '#/components/schemas/HistoryEntry' } } },
      HistoryEntry: { type: 'object' },
      RequestAllocationDto: { type: 'object' }, // only POST /allocations, which is not public, used it
    };
    const merged = mergeApiDocs([app], [{ prefix: '/rentals', methods: GET }], []);
    expect(Object.keys(merged.components!.schemas!)).toEqual(['HistoryEntry', 'RentalResponse']);
  });

  it('says when two apps define one schema name differently, and keeps the first', () => {
    const first = doc(['/rentals'], ['Page'], ['get'], { type: 'object', title: 'rental page' });
    const second = doc(['/rental-views'], ['Page'], ['get'], { type: 'object', title: 'view page' });
    const routes = [
      { prefix: '/rentals', methods: GET },
      { prefix: '/rental-views', methods: GET },
    ];
    const merged = mergeApiDocs([first, second], routes, []);
    expect(merged.info.description).toContain(`${SCHEMA_CLASHES_NOTE} Page.`);
    expect(merged.components!.schemas!.Page).toEqual({ type: 'object', title: 'rental page' });
    expect(mergeApiDocs([first, first], routes, []).info.description).not.toContain('Schema names');
  });

  it('names a server and a license, as generators and linters expect', () => {
    const merged = mergeApiDocs([], [], []);
    expect(merged.servers?.length).toBeGreaterThan(0);
    expect(merged.info.license?.name).toBeTruthy();
  });

  it('documents error answers as application/problem+json, success answers as they were', () => {
    const app = doc(['/rentals']);
    const schema = { $ref: '#/components/schemas/ErrorResponse' };
    app.paths['/rentals'].get = {
      responses: { 200: { content: { 'application/json': { schema: {} } } }, 404: { content: { 'application/json': { schema } } } },
    };
    const merged = mergeApiDocs([app], [{ prefix: '/rentals', methods: GET }], []);
    expect(merged.paths['/rentals'].get).toEqual({
      responses: { 200: { content: { 'application/json': { schema: {} } } }, 404: { content: { 'application/problem+json': { schema } } } },
    });
  });

  it('says which apps did not answer', () => {
    expect(mergeApiDocs([undefined], [{ prefix: '/rentals', methods: GET }], ['view']).info.description).toContain('view');
  });
});

describe('routeOf', () => {
  const routes = [{ prefix: '/rentals' }, { prefix: '/rental-views' }];

  it('finds the route of a path, with or without a query, and not of a path that merely starts alike', () => {
    expect(routeOf(routes, '/rentals')?.prefix).toBe('/rentals');
    expect(routeOf(routes, '/rentals/abc?x=1')?.prefix).toBe('/rentals');
    expect(routeOf(routes, '/rental-views?customerId=a')?.prefix).toBe('/rental-views');
    expect(routeOf(routes, '/rentals-admin')).toBeUndefined();
    expect(routeOf(routes, '/health')).toBeUndefined();
  });
});
