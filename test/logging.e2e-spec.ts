import { APPS } from './e2e-env';
import { TestSystem, eventually, request } from './harness';
import { RentalApi } from './rental-api';
import { ADMIN } from './tokens';

type LogLine = Record<string, unknown> & { app?: string; msg?: string; correlationId?: string };

describe('structured logs', () => {
  let system: TestSystem;
  const linesOf = (app: (typeof APPS)[number]): LogLine[] =>
    system.app(app).output.flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });

  beforeAll(async () => {
    system = await TestSystem.start();
  });

  afterAll(() => system.stop());

  it('writes one JSON object per line, each with the app’s name', () => {
    for (const app of APPS) {
      expect(system.app(app).output.length).toBeGreaterThan(0);
      expect(linesOf(app)).toHaveLength(system.app(app).output.length);
      expect(linesOf(app).filter((line) => line.app !== app)).toEqual([]);
    }
  });

  it('puts the correlation id on request lines, and the event’s type and id on message handlers’ lines', async () => {
    const api = new RentalApi(system.gateway);
    const correlationId = `logs-${Date.now()}`;
    const applied = await api.apply({ phone: '+49 30 9876543' }, { 'x-correlation-id': correlationId });
    await api.viewWithStatus(applied.body.id, 'CONFIRMED');

    const request = await eventually(
      async () => linesOf('rental').find((line) => line.msg === 'request completed' && line.correlationId === correlationId),
      Boolean,
    );
    expect(request).toEqual(expect.objectContaining({ app: 'rental', correlationId }));

    const handled = linesOf('assign').find(
      (line) => String(line.msg).startsWith('Applied AllocationRequested') && line.correlationId === correlationId,
    );
    expect(handled).toEqual(
      expect.objectContaining({ app: 'assign', eventType: 'AllocationRequested', eventId: expect.stringMatching(/^[0-9a-f-]{36}$/) }),
    );
  });

  it('never writes a whole phone number', async () => {
    const notice = await eventually(
      async () => linesOf('view').find((line) => String(line.msg).includes('Notified customer') && String(line.msg).includes('***543')),
      Boolean,
      { message: 'view logged no masked notification' },
    );
    expect(notice).toBeDefined();
    for (const app of APPS) expect(system.app(app).output.filter((line) => line.replace(/\D/g, '').includes('309876543'))).toEqual([]);
  });

  it('writes a statement the database refused neither outside the JSON lines nor with its values', async () => {
    // A unit code taken already: the insert fails with a unique violation and the answer is 409.
    const code = `LOGS-${Date.now()}`;
    const unit = { code, location: 'berlin', size: 'S' };
    expect((await request('POST', `${system.gateway}/storage-units`, unit, ADMIN)).status).toBe(201);
    expect((await request('POST', `${system.gateway}/storage-units`, unit, ADMIN)).status).toBe(409);
    const output = system.app('assign').output;
    expect(output.length).toBe(linesOf('assign').length);
    // Its values (the code here; a phone number elsewhere) are no log's business.
    expect(output.filter((line) => line.includes(code))).toEqual([]);
  });

  it('writes no line for health probes and scrapes, which come every few seconds', async () => {
    const before = system.app('gateway').output.length;
    for (const path of ['/health', '/health/live', '/health/ready', '/metrics']) await request('GET', `${system.gateway}${path}`);
    await request('GET', `${system.gateway}/rental-views/not-a-uuid`); // a request that is logged, as a marker
    const lines = await eventually(
      async () => system.app('gateway').output.slice(before),
      (l) => l.some((line) => line.includes('not-a-uuid')),
    );
    expect(lines.filter((line) => /"url":"\/(health|metrics)/.test(line))).toEqual([]);
  });
});
