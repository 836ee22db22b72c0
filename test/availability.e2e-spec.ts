import { components, createApiClient, operations } from '@app/api-client';
import { StorageSize } from '@app/contracts';
import { Answer, TestSystem, dayFromToday, inPool, newLocation, seededRandom } from './harness';
import { RentalApi } from './rental-api';
import { token } from './tokens';

type AvailabilityQuery = operations['getAvailability']['parameters']['query'];
type AvailabilityAnswer = components['schemas']['AvailabilityResponse'];

const SEED = Number(process.env.AVAILABILITY_SEED ?? 20261202);
/** No L unit at all: a size the location does not have is a row of zeros, not an error. */
const INVENTORY: Record<StorageSize, number> = { S: 4, M: 3, L: 0, XL: 2 };
const APPLICATIONS = 30;
const CANCELLED = 5;

interface Period {
  startDate: string;
  endDate: string;
}

const overlaps = (a: Period, b: Period) => a.startDate <= b.endDate && b.startDate <= a.endDate;

/**
 * Issue 15: what a customer is told before applying. The expected counts are computed by brute
 * force from what customers were told afterwards (each CONFIRMED rental holds the unit its view
 * names, for its period), over a generated mix of applications and cancellations.
 */
describe('GET /availability through the gateway', () => {
  let system: TestSystem;
  let api: RentalApi;
  const location = newLocation();
  const periods: Period[] = [];
  const answers: Answer[] = [];
  let held: { size: StorageSize; unitCode: string; period: Period }[] = [];

  /** Through the typed client of api/openapi.json: a query or an answer the document does not describe fails to compile. */
  const availability = async (query: AvailabilityQuery, bearer: string | null = token('someone-else')) => {
    const { data, response } = await createApiClient(system.gateway, bearer ?? undefined).GET('/availability', { params: { query } });
    // Undefined for an error answer: the tests that expect one look at the status only.
    return { status: response.status, body: data as AvailabilityAnswer };
  };

  beforeAll(async () => {
    system = await TestSystem.start();
    api = new RentalApi(system.gateway);
    for (const [size, count] of Object.entries(INVENTORY)) if (count > 0) await api.addUnits(location, size, count);
    const next = seededRandom(SEED);
    const sizes: StorageSize[] = ['S', 'M', 'XL'];
    // Twelve days, one to five days each: back-to-back, shared end days, nesting and turned-away applications all happen.
    for (let i = 0; i < APPLICATIONS; i++) {
      const start = 30 + Math.floor(next() * 12);
      periods.push({ startDate: dayFromToday(start), endDate: dayFromToday(start + Math.floor(next() * 5)) });
    }
    const toCancel = new Set(Array.from({ length: CANCELLED }, () => Math.floor(next() * APPLICATIONS)));
    const cancelled = new Set<number>();
    answers.push(
      ...(await inPool(APPLICATIONS, 10, async (i) => {
        const answer = await api.apply({ location, size: sizes[i % sizes.length], ...periods[i] });
        // Some customers cancel once they know the outcome; a REJECTED rental cannot be cancelled.
        if (answer.status === 201 && toCancel.has(i) && (await api.settledView(answer.body.id)).status === 'CONFIRMED') {
          expect((await api.cancel(answer.body.id)).status).toBe(200);
          cancelled.add(i);
        }
        return answer;
      })),
    );
    expect(answers.filter((a) => a.status !== 201).map((a) => a.body)).toEqual([]);
    const views = await Promise.all(
      answers.map((a, i) => (cancelled.has(i) ? api.viewWithStatus(a.body.id, 'CANCELLED') : api.settledView(a.body.id))),
    );
    held = views
      .map((view, i) => ({ view, period: periods[i] }))
      .filter(({ view }) => view.status === 'CONFIRMED')
      .map(({ view, period }) => ({ size: view.size, unitCode: view.unitCode, period }));
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('counts the units free for the whole period, per size, as a brute force over the confirmed rentals does', async () => {
    expect(held.length).toBeGreaterThan(0);
    const queries: Period[] = [
      ...periods.slice(0, 10),
      { startDate: dayFromToday(29), endDate: dayFromToday(29) }, // the day before any rental
      { startDate: dayFromToday(30), endDate: dayFromToday(50) }, // over every rental
      { startDate: dayFromToday(60), endDate: dayFromToday(66) }, // after them all
    ];
    for (const query of queries) {
      const expected = (Object.keys(INVENTORY) as StorageSize[]).map((size) => {
        const booked = new Set(held.filter((h) => h.size === size && overlaps(h.period, query)).map((h) => h.unitCode));
        return { size, units: INVENTORY[size], freeUnits: INVENTORY[size] - booked.size };
      });
      const answer = await eventuallyAvailability(() => availability({ location, ...query }), expected);
      expect([query, answer.status, answer.body.sizes.map(({ size, units, freeUnits }: any) => ({ size, units, freeUnits }))]).toEqual([
        query,
        200,
        expected,
      ]);
    }
  });

  it('counts a unit with two rentals inside the period once', async () => {
    // Two units: the long rental takes one, so both short ones must go to the other.
    const pair = newLocation();
    await api.addUnits(pair, 'S', 2);
    const day = (n: number) => dayFromToday(n);
    const long = await api.apply({ location: pair, size: 'S', startDate: day(40), endDate: day(45) });
    expect((await api.settledView(long.body.id)).status).toBe('CONFIRMED');
    for (const d of [40, 41]) {
      const short = await api.apply({ location: pair, size: 'S', startDate: day(d), endDate: day(d) });
      expect((await api.settledView(short.body.id)).status).toBe('CONFIRMED');
    }
    const free = async (startDate: string, endDate: string) =>
      (await availability({ location: pair, size: 'S', startDate, endDate })).body.sizes[0].freeUnits;
    expect([await free(day(40), day(41)), await free(day(42), day(45)), await free(day(46), day(46))]).toEqual([0, 1, 2]);
  });

  it('quotes what POST /rentals charged for the same size and period, from the one price rule', async () => {
    for (const [i, answer] of answers.entries()) {
      const quote = await availability({ location, size: answer.body.size, ...periods[i] });
      expect(quote.body.sizes).toEqual([expect.objectContaining({ size: answer.body.size, cost: answer.body.cost })]);
      expect(quote.body.currency).toBe(answer.body.currency);
    }
  });

  it('answers one row for a given size, zeros for a size or a location without units', async () => {
    const period = { startDate: dayFromToday(30), endDate: dayFromToday(36) };
    const one = await availability({ location, size: 'L', ...period });
    expect([one.status, one.body.sizes]).toEqual([200, [{ size: 'L', units: 0, freeUnits: 0, cost: expect.any(Number) }]]);
    const nowhere = await availability({ location: newLocation(), ...period });
    expect(nowhere.body.sizes.map((s: any) => [s.size, s.units, s.freeUnits])).toEqual([
      ['S', 0, 0],
      ['M', 0, 0],
      ['L', 0, 0],
      ['XL', 0, 0],
    ]);
    expect(nowhere.body).toEqual(expect.objectContaining({ ...period, days: 7, location: nowhere.body.location }));
  });

  it('shows any signed-in customer counts and prices only, never whose rentals they are; nobody without a token', async () => {
    const answer = await availability({ location, startDate: dayFromToday(30), endDate: dayFromToday(50) });
    expect(Object.keys(answer.body).sort()).toEqual(['currency', 'days', 'endDate', 'location', 'sizes', 'startDate']);
    for (const row of answer.body.sizes) expect(Object.keys(row).sort()).toEqual(['cost', 'freeUnits', 'size', 'units']);
    expect(JSON.stringify(answer.body)).not.toMatch(new RegExp(held.map((h) => h.unitCode).join('|')));
    const admin = await availability({ location, startDate: dayFromToday(30), endDate: dayFromToday(50) }, token('e2e-admin', 'admin'));
    expect(admin.body).toEqual(answer.body);
    const anonymous = await availability({ location, startDate: dayFromToday(30), endDate: dayFromToday(50) }, null);
    expect(anonymous.status).toBe(401);
  });
});

/**
 * The counts once assign has applied every outcome the views show: assign writes before view
 * hears of it, but a release can trail the CANCELLED view. A wrong count never converges.
 */
async function eventuallyAvailability(
  call: () => Promise<{ status: number; body: AvailabilityAnswer }>,
  expected: { size: string; units: number; freeUnits: number }[],
) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await call();
    const got = answer.body?.sizes?.map(({ size, units, freeUnits }: any) => ({ size, units, freeUnits }));
    if (JSON.stringify(got) === JSON.stringify(expected) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
