import { SPARE_PORTS } from './e2e-env';
import { AppProcess, TestSystem, dayFromToday, eventually, newCustomer, newLocation, request } from './harness';
import { RentalApi } from './rental-api';
import { ADMIN, as } from './tokens';

describe('the rental saga, through the gateway', () => {
  let system: TestSystem;
  let api: RentalApi;

  beforeAll(async () => {
    system = await TestSystem.start();
    api = new RentalApi(system.gateway);
  });

  afterAll(() => system.stop());

  it('confirms an application, prices it server-side and notifies the customer', async () => {
    const location = newLocation();
    await api.addUnits(location, 'L', 1);
    const customerId = newCustomer();
    const applied = await api.apply({ customerId, location, size: 'L', startDate: dayFromToday(1), endDate: dayFromToday(3), cost: 0 });
    // The client may not set the price: an unknown field is refused outright.
    expect(applied.status).toBe(400);

    const accepted = await api.apply({ customerId, location, size: 'L', startDate: dayFromToday(1), endDate: dayFromToday(3) });
    expect(accepted.status).toBe(201);
    expect(accepted.body).toEqual(expect.objectContaining({ status: 'REQUESTED', cost: 12, currency: 'EUR', location, size: 'L' }));

    const view = await api.viewWithStatus(accepted.body.id, 'CONFIRMED');
    expect(view).toEqual(expect.objectContaining({ customerId, location, size: 'L', cost: 12, unitCode: `${location}-L-1` }));
    // rental, manage and view consume StorageAssigned each on its own: theirs follow, in any order.
    await eventually(
      () => api.rental(accepted.body.id),
      (a) => a.body.status === 'CONFIRMED',
    );
    await eventually(
      () => api.allocation(accepted.body.id),
      (a) => a.body.status === 'ASSIGNED',
    );

    const notices = await eventually(
      () => api.notifications(customerId),
      (a) => a.body.total === 1,
    );
    expect(notices.body.items[0]).toEqual(expect.objectContaining({ kind: 'CONFIRMED', rentalId: accepted.body.id }));
    expect(notices.body.items[0].message).toContain(`${location}-L-1`);
  });

  it('rejects an application when no unit of that size is free, and tells the customer', async () => {
    const location = newLocation();
    await api.addUnits(location, 'S', 2);
    const customerId = newCustomer();
    const applied = await api.apply({ customerId, location, size: 'XL' });
    expect(applied.status).toBe(201);
    const view = await api.viewWithStatus(applied.body.id, 'REJECTED');
    expect(view.reason).toContain('No XL unit is free');
    await eventually(
      () => api.rental(applied.body.id),
      (a) => a.body.status === 'REJECTED',
    );
    const notices = await eventually(
      () => api.notifications(customerId),
      (a) => a.body.total === 1,
    );
    expect(notices.body.items[0].kind).toBe('REJECTED');
  });

  it('rejects an overlapping period for the only unit, and confirms a back-to-back one', async () => {
    const location = newLocation();
    await api.addUnits(location, 'M', 1);
    const first = await api.apply({ location, startDate: dayFromToday(10), endDate: dayFromToday(20) });
    await api.viewWithStatus(first.body.id, 'CONFIRMED');

    const overlapping = await api.apply({ location, startDate: dayFromToday(20), endDate: dayFromToday(25) });
    await api.viewWithStatus(overlapping.body.id, 'REJECTED');

    const backToBack = await api.apply({ location, startDate: dayFromToday(21), endDate: dayFromToday(25) });
    const before = await api.apply({ location, startDate: dayFromToday(5), endDate: dayFromToday(9) });
    expect((await api.viewWithStatus(backToBack.body.id, 'CONFIRMED')).unitCode).toBe(`${location}-M-1`);
    expect((await api.viewWithStatus(before.body.id, 'CONFIRMED')).unitCode).toBe(`${location}-M-1`);
  });

  it('cancels a confirmed rental to the end of the chain, so the unit can be rented again', async () => {
    const location = newLocation();
    await api.addUnits(location, 'S', 1);
    const customerId = newCustomer();
    const first = await api.apply({ customerId, location, size: 'S' });
    await api.viewWithStatus(first.body.id, 'CONFIRMED');

    const cancelled = await api.cancel(first.body.id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const view = await eventually(
      () => api.view(first.body.id),
      (a) => a.body.history.some((e: { type: string }) => e.type === 'StorageReleased'),
    );
    expect(view.body.status).toBe('CANCELLED');
    expect(view.body.history.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['RentalCancelled', 'AllocationCancelled', 'StorageReleased']),
    );
    await eventually(
      () => api.allocation(first.body.id),
      (a) => a.body.status === 'RELEASED',
    );
    const notices = await eventually(
      () => api.notifications(customerId),
      (a) => a.body.total === 2,
    );
    expect(notices.body.items.map((n: { kind: string }) => n.kind)).toEqual(['CANCELLED', 'CONFIRMED']);

    const again = await api.apply({ location, size: 'S' });
    await api.viewWithStatus(again.body.id, 'CONFIRMED');
  });

  it('cancels a rental before it is confirmed, and the unit stays free', async () => {
    const location = newLocation();
    await api.addUnits(location, 'S', 1);
    const applied = await api.apply({ location, size: 'S' });
    // Straight after the 201: the assignment is still in flight, racing the cancel.
    const cancelled = await api.cancel(applied.body.id);
    expect(cancelled.status).toBe(200);

    await api.viewWithStatus(applied.body.id, 'CANCELLED');
    await eventually(
      () => api.allocation(applied.body.id),
      (a) => ['CANCELLED', 'RELEASED'].includes(a.body.status),
    );
    const next = await api.apply({ location, size: 'S' });
    await api.viewWithStatus(next.body.id, 'CONFIRMED');
    expect((await api.rental(applied.body.id)).body.status).toBe('CANCELLED');
  });

  it('ends every cancel that races its assignment CANCELLED, with every unit free again', async () => {
    const location = newLocation();
    await api.addUnits(location, 'M', 3);
    const applied = await Promise.all(
      Array.from({ length: 6 }, (_, i) => api.apply({ location, startDate: dayFromToday(30 + i), endDate: dayFromToday(30 + i) })),
    );
    await Promise.all(applied.map((a) => api.cancel(a.body.id)));
    for (const a of applied) await api.viewWithStatus(a.body.id, 'CANCELLED');
    await eventually(
      () => Promise.all(applied.map((a) => api.allocation(a.body.id))),
      (answers) => answers.every((a) => ['CANCELLED', 'RELEASED'].includes(a.body.status)),
    );
    // All three units are free for the whole range again.
    const after = await Promise.all([1, 2, 3].map(() => api.apply({ location, startDate: dayFromToday(30), endDate: dayFromToday(35) })));
    for (const a of after) await api.viewWithStatus(a.body.id, 'CONFIRMED');
  });

  it('gives the last free unit to exactly one of many concurrent applications, with two assign processes', async () => {
    const location = newLocation();
    await api.addUnits(location, 'L', 1);
    // With assign stopped the requests pile up in its queue; two processes started together then
    // take them at the same moment, several at a time each: a real race for the one unit.
    await system.app('assign').stop();
    const applied = await Promise.all(Array.from({ length: 16 }, () => api.apply({ location, size: 'L' })));
    expect(applied.map((a) => a.status)).toEqual(Array(16).fill(201));
    const second = new AppProcess('assign', SPARE_PORTS[0], { ASSIGN_PORT: String(SPARE_PORTS[0]), AMQP_PREFETCH: '8' }).start();
    try {
      await Promise.all([system.restart('assign', { AMQP_PREFETCH: '8' }), second.waitReady()]);
      const outcomes = await Promise.all(applied.map((a) => api.settledView(a.body.id)));
      expect(outcomes.filter((v) => v.status === 'CONFIRMED')).toHaveLength(1);
      expect(outcomes.filter((v) => v.status === 'REJECTED')).toHaveLength(15);
    } finally {
      await second.stop();
    }
  });

  it('returns the first rental for a repeated Idempotency-Key, and never makes a second', async () => {
    const customerId = newCustomer();
    const key = `key-${customerId}`;
    const body = { customerId, location: await api.location(), size: 'S', startDate: dayFromToday(50), endDate: dayFromToday(51) };
    const answers = await Promise.all([1, 2, 3].map(() => api.apply(body, { 'idempotency-key': key })));
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    // A concurrent twin may be told the first is still in progress; nothing else.
    for (const a of answers.filter((a) => a.status !== 201)) expect(a.status).toBe(409);

    const replay = await api.apply(body, { 'idempotency-key': key });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(created[0].body.id);

    const changed = await api.apply({ ...body, size: 'M' }, { 'idempotency-key': key });
    expect(changed.status).toBe(422);

    await api.viewWithStatus(created[0].body.id, 'CONFIRMED');
    const list = await request('GET', `${system.gateway}/rental-views?customerId=${customerId}`, undefined, as(customerId));
    expect(list.body.total).toBe(1);
  });

  it('answers 404 for an unknown rental and 409 for a second cancel or a rejected rental', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await api.rental(unknown)).status).toBe(404);
    expect((await api.cancel(unknown)).status).toBe(404);
    expect((await api.view(unknown)).status).toBe(404);
    expect((await api.allocation(unknown)).status).toBe(404);

    const location = newLocation();
    await api.addUnits(location, 'S', 1);
    const applied = await api.apply({ location, size: 'S' });
    expect((await api.cancel(applied.body.id)).status).toBe(200);
    const again = await api.cancel(applied.body.id);
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('CANCELLED');

    const rejected = await api.apply({ location, size: 'XL' });
    await eventually(
      () => api.rental(rejected.body.id),
      (a) => a.body.status === 'REJECTED',
    );
    expect((await api.cancel(rejected.body.id)).status).toBe(409);
  });

  it('shows the correlation id of each step in the view’s history, and the event that caused it', async () => {
    const applied = await api.apply({}, { 'x-correlation-id': 'apply-flow' });
    await api.viewWithStatus(applied.body.id, 'CONFIRMED');
    await request('DELETE', `${system.gateway}/rentals/${applied.body.id}`, undefined, {
      ...as(applied.body.customerId),
      'x-correlation-id': 'cancel-flow',
    });
    const view = await eventually(
      () => api.view(applied.body.id),
      (a) => a.body.history.length === 6,
    );
    const idOf = (type: string) => view.body.history.find((e: { type: string }) => e.type === type).correlationId;
    expect(['RentalRequested', 'AllocationRequested', 'StorageAssigned'].map(idOf)).toEqual(['apply-flow', 'apply-flow', 'apply-flow']);
    expect(['RentalCancelled', 'AllocationCancelled', 'StorageReleased'].map(idOf)).toEqual(['cancel-flow', 'cancel-flow', 'cancel-flow']);
    // And which event caused which: none for those a request caused, else the event handled.
    const line = (type: string) => view.body.history.find((e: { type: string }) => e.type === type);
    const causeOf = (type: string) => {
      const cause = view.body.history.find((e: { id: string }) => e.id === line(type).causationId);
      return cause?.type ?? (line(type).causationId === undefined ? 'a request' : `unknown ${line(type).causationId}`);
    };
    expect(
      ['AllocationRequested', 'RentalRequested', 'StorageAssigned', 'RentalCancelled', 'AllocationCancelled', 'StorageReleased'].map(
        (type) => [type, causeOf(type)],
      ),
    ).toEqual([
      ['AllocationRequested', 'a request'],
      ['RentalRequested', 'a request'],
      ['StorageAssigned', 'AllocationRequested'],
      ['RentalCancelled', 'a request'],
      ['AllocationCancelled', 'RentalCancelled'],
      ['StorageReleased', 'AllocationCancelled'],
    ]);
  });

  it('lists a customer’s rentals newest first, page by page', async () => {
    const customerId = newCustomer();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await api.apply({ customerId, startDate: dayFromToday(60 + i), endDate: dayFromToday(60 + i) })).body.id);
    await eventually(
      () => request('GET', `${system.gateway}/rental-views?customerId=${customerId}`, undefined, as(customerId)),
      (a) => a.body.total === 3,
    );
    const first = await request(
      'GET',
      `${system.gateway}/rental-views?customerId=${customerId}&page=1&pageSize=2`,
      undefined,
      as(customerId),
    );
    const second = await request(
      'GET',
      `${system.gateway}/rental-views?customerId=${customerId}&page=2&pageSize=2`,
      undefined,
      as(customerId),
    );
    expect([...first.body.items, ...second.body.items].map((v: { id: string }) => v.id)).toEqual(ids.reverse());
    expect(first.body).toEqual(expect.objectContaining({ page: 1, pageSize: 2, total: 3 }));
  });

  it('stocks a default inventory on first start, so a new user can rent at once', async () => {
    const units = await request('GET', `${system.gateway}/storage-units?location=berlin&size=XL`, undefined, as(newCustomer()));
    expect(units.status).toBe(200);
    expect(units.body.length).toBeGreaterThan(0);
  });

  it('refuses a duplicate storage unit code with 409', async () => {
    const location = newLocation();
    await api.addUnits(location, 'S', 1);
    const duplicate = await request('POST', `${system.gateway}/storage-units`, { code: `${location}-S-1`, location, size: 'S' }, ADMIN);
    expect(duplicate.status).toBe(409);
  });
});

describe('applying while manage is down', () => {
  let system: TestSystem;
  let api: RentalApi;

  beforeAll(async () => {
    system = await TestSystem.start({ apps: ['gateway', 'rental', 'view'] });
    api = new RentalApi(system.gateway);
  });

  afterAll(() => system.stop());

  it('answers 503 with Retry-After and leaves no active rental behind', async () => {
    const customerId = newCustomer();
    // No assign in this system, so no inventory to stock: any location will do.
    const answer = await api.apply({ customerId, location: newLocation() }, { 'idempotency-key': `down-${customerId}` });
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(answer.body.message).toMatch(/try again/);

    const listed = await request('GET', `${system.gateway}/rental-views?customerId=${customerId}`, undefined, as(customerId));
    expect(listed.body.total).toBe(0);
  });
});
