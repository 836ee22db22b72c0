import { ApiDocument, mergeApiDocs } from './merge-api-docs';
import { routeOf } from '../proxy-routes';

const doc = (paths: string[], schemas: string[] = [], methods = ['get']): ApiDocument => ({
  openapi: '3.0.0',
  info: { title: 'app', version: '1' },
  paths: Object.fromEntries(paths.map((path) => [path, Object.fromEntries(methods.map((method) => [method, {}]))])),
  components: { schemas: Object.fromEntries(schemas.map((name) => [name, { type: 'object' }])) },
});

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
