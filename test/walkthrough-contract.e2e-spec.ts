import { TestSystem, dayFromToday, newCustomer, request } from './harness';
import { RentalApi } from './rental-api';
import { ADMIN, as } from './tokens';
import { ValidatingProxy } from './validating-proxy';

/**
 * Issue 16: the README's walkthrough ("Try it: rent, watch, cancel") replayed through a validating
 * proxy in front of the gateway. Every answer, successes and errors alike, must be one the
 * committed api/openapi.json describes, with a body that matches its schema.
 */
describe('the README walkthrough, checked against the committed OpenAPI document', () => {
  let system: TestSystem;
  let proxy: ValidatingProxy;
  let gateway: string;

  beforeAll(async () => {
    system = await TestSystem.start();
    proxy = new ValidatingProxy(system.gateway);
    gateway = await proxy.start();
  });

  afterAll(async () => {
    await proxy?.stop();
    await system?.stop();
  });

  it('finds no answer the document does not describe', async () => {
    const api = new RentalApi(gateway);
    const location = await api.location();
    const alice = newCustomer();
    const period = { startDate: dayFromToday(12), endDate: dayFromToday(14) };

    await request(
      'GET',
      `${gateway}/availability?location=${location}&size=M&startDate=${period.startDate}&endDate=${period.endDate}`,
      undefined,
      as(alice),
    );
    const applied = await api.apply({ customerId: alice, location, ...period }, { 'Idempotency-Key': `walkthrough-${alice}` });
    expect(applied.status).toBe(201);
    const id = applied.body.id as string;
    await api.viewWithStatus(id, 'CONFIRMED');
    await request('GET', `${gateway}/rental-views?page=1&pageSize=20`, undefined, as(alice));
    await request('GET', `${gateway}/notifications`, undefined, as(alice));
    await api.rental(id);
    await api.allocation(id);
    expect((await api.cancel(id)).status).toBe(200);
    expect((await api.cancel(id)).status).toBe(409);
    await request('GET', `${gateway}/storage-units?location=${location}&size=M`, undefined, as(alice));
    expect((await request('POST', `${gateway}/storage-units`, { code: `${location}-M-99`, location, size: 'M' }, ADMIN)).status).toBe(201);
    await request('GET', `${gateway}/rental-views?pageSize=100`, undefined, ADMIN);
    // A bad input, an unknown id, a missing token.
    expect((await api.apply({ customerId: alice, size: 'XXL' })).status).toBe(400);
    expect((await request('GET', `${gateway}/rental-views/00000000-0000-4000-8000-000000000000`, undefined, as(alice))).status).toBe(404);
    expect((await request('GET', `${gateway}/rentals/${id}`)).status).toBe(401);

    expect(proxy.violations).toEqual([]);
    // The replay went through every operation of the walkthrough.
    expect(new Set(proxy.seen)).toEqual(
      new Set([
        'GET /storage-units → 200',
        'POST /storage-units → 201',
        'GET /availability → 200',
        'POST /rentals → 201',
        'GET /rental-views/{id} → 200',
        'GET /rental-views → 200',
        'GET /notifications → 200',
        'GET /rentals/{id} → 200',
        'GET /allocations/{rentalId} → 200',
        'DELETE /rentals/{id} → 200',
        'DELETE /rentals/{id} → 409',
        'POST /rentals → 400',
        'GET /rental-views/{id} → 404',
        'GET /rentals/{id} → 401',
      ]),
    );
  });
});
