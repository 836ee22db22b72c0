import { ApiDocument, mergeApiDocs } from './merge-api-docs';

const doc = (paths: string[], schemas: string[] = []): ApiDocument => ({
  openapi: '3.0.0',
  info: { title: 'app', version: '1' },
  paths: Object.fromEntries(paths.map((path) => [path, { get: {} }])),
  components: { schemas: Object.fromEntries(schemas.map((name) => [name, { type: 'object' }])) },
});

describe('mergeApiDocs', () => {
  it('keeps the public paths of every app, with their schemas, and drops the operational ones', () => {
    const merged = mergeApiDocs(
      [doc(['/rentals', '/rentals/{id}', '/health', '/metrics'], ['RentalResponse']), doc(['/storage-units', '/health/live'], ['AddStorageUnitDto'])],
      ['/rentals', '/storage-units'],
      [],
    );
    expect(Object.keys(merged.paths).sort()).toEqual(['/rentals', '/rentals/{id}', '/storage-units']);
    expect(Object.keys(merged.components!.schemas!).sort()).toEqual(['AddStorageUnitDto', 'RentalResponse']);
  });

  it('does not take a path that merely starts like a public one', () => {
    expect(Object.keys(mergeApiDocs([doc(['/rentals-admin'])], ['/rentals'], []).paths)).toEqual([]);
  });

  it('says which apps did not answer', () => {
    expect(mergeApiDocs([undefined], ['/rentals'], ['view']).info.description).toContain('view');
  });
});
