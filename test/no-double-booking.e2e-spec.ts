import { createConnection } from 'mysql2/promise';
import { countDoubleBookings, innodbDeadlocks } from './e2e-databases';
import { E2E_DATABASES, SPARE_PORTS } from './e2e-env';
import { AppProcess, TestSystem, dayFromToday, eventually, inPool, newLocation, seededRandom } from './harness';
import { RentalApi } from './rental-api';

/** Far east and far west of UTC: a calendar date that went through a local-time Date would move a day. */
const EAST = { TZ: 'Pacific/Kiritimati' }; // UTC+14
const WEST = { TZ: 'Pacific/Pago_Pago' }; // UTC-11

const SEED = Number(process.env.DOUBLE_BOOKING_SEED ?? 20261202);
const UNITS = 3;
const APPLICATIONS = 60;
const CANCELLED = 12;

/** assign's active assignments at a location, with their dates as the database has them. */
async function activeAssignments(location: string): Promise<{ rentalId: string; unitCode: string; startDate: string; endDate: string }[]> {
  const connection = await createConnection(E2E_DATABASES.assign);
  try {
    const [rows] = await connection.query(
      `SELECT rental_id AS rentalId, unit_code AS unitCode, DATE_FORMAT(start_date, '%Y-%m-%d') AS startDate, DATE_FORMAT(end_date, '%Y-%m-%d') AS endDate
       FROM assignment WHERE location = ? AND status = 'ACTIVE'`,
      [location],
    );
    return rows as { rentalId: string; unitCode: string; startDate: string; endDate: string }[];
  } finally {
    await connection.end();
  }
}

/**
 * Issue 14 ("tests that cannot fail"): the old no-double-booking tests used one identical period on
 * one unit. Here many applications and cancellations race over a few units with back-to-back
 * periods, shared end days and nested ones, handled by two assign replicas, with every app in a time
 * zone far from UTC (rental, view and one assign replica at UTC+14; the gateway, manage and the
 * other replica at UTC-11).
 */
describe('no double booking over mixed periods, two assign replicas, far time zones', () => {
  let system: TestSystem;
  let second: AppProcess;
  let api: RentalApi;

  beforeAll(async () => {
    // About bookings, not latency: manage and the gateway are restarted just before twenty
    // applications at once, and a cold manage on a busy machine can take longer than rental's
    // 600 ms default, which would turn customers away (503) before assign sees them.
    system = await TestSystem.start({ env: { ...EAST, MANAGE_TIMEOUT_MS: '5000' } });
    await Promise.all([system.restart('manage', WEST), system.restart('gateway', WEST)]);
    second = new AppProcess('assign', SPARE_PORTS[3], { ...WEST, ASSIGN_PORT: String(SPARE_PORTS[3]) }).start();
    await second.waitReady();
    api = new RentalApi(system.gateway);
  });

  afterAll(async () => {
    await Promise.all([system?.stop(), second?.stop()]);
  });

  it('never holds one unit twice on a day, keeps every date as asked, and settles every application', async () => {
    const location = newLocation();
    await api.addUnits(location, 'S', UNITS);
    const deadlocksBefore = await innodbDeadlocks();
    const next = seededRandom(SEED);
    // Ten days, periods of one to four days (both ends count): back-to-back, shared ends and nesting all happen.
    const periods = Array.from({ length: APPLICATIONS }, () => {
      const start = 20 + Math.floor(next() * 10);
      return { startDate: dayFromToday(start), endDate: dayFromToday(start + Math.floor(next() * 4)) };
    });
    const toCancel = new Set(Array.from({ length: CANCELLED }, () => Math.floor(next() * APPLICATIONS)));

    const cancelled = new Set<number>();
    const answers = await inPool(APPLICATIONS, 20, async (i) => {
      const answer = await api.apply({ location, size: 'S', ...periods[i] });
      // Some customers change their mind at once, while assign is still deciding. A rental whose
      // outcome rental has already heard of cannot be cancelled any more (409).
      if (answer.status === 201 && toCancel.has(i)) {
        const cancel = await api.cancel(answer.body.id);
        expect([200, 409]).toContain(cancel.status);
        if (cancel.status === 200) cancelled.add(i);
      }
      return answer;
    });
    expect(answers.filter((a) => a.status !== 201).map((a) => a.status)).toEqual([]);

    // An outcome can reach view before the cancel that overtook it in rental (CONFIRMED or
    // REJECTED for a moment), so a cancelled rental is waited for until it shows CANCELLED.
    const views = await Promise.all(
      answers.map((a, i) => (cancelled.has(i) ? api.viewWithStatus(a.body.id, 'CANCELLED', 60_000) : api.settledView(a.body.id, 60_000))),
    );
    expect(views.filter((v) => !['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(v.status))).toEqual([]);
    // The dates of each rental, as every app saw them, are the ones asked for.
    views.forEach((view, i) => expect([view.startDate, view.endDate]).toEqual([periods[i].startDate, periods[i].endDate]));

    expect(await countDoubleBookings()).toBe(0);
    const active = await activeAssignments(location);
    const asked = new Map(answers.map((a, i) => [a.body.id as string, periods[i]]));
    for (const assignment of active) {
      expect([assignment.rentalId, assignment.startDate, assignment.endDate]).toEqual([
        assignment.rentalId,
        asked.get(assignment.rentalId)!.startDate,
        asked.get(assignment.rentalId)!.endDate,
      ]);
    }
    // Once assign has released what the cancellations freed, exactly the confirmed rentals hold a
    // unit, each the unit its view names.
    const confirmed = views.filter((v) => v.status === 'CONFIRMED');
    const holding = confirmed.map((v) => `${v.id} ${v.unitCode}`).sort();
    await eventually(
      async () => (await activeAssignments(location)).map((a) => `${a.rentalId} ${a.unitCode}`).sort(),
      (held) => JSON.stringify(held) === JSON.stringify(holding),
      { message: 'the units held are not those of the confirmed rentals' },
    );
    // With three units and sixty applications over ten days, some are confirmed and some rejected.
    expect(confirmed.length).toBeGreaterThan(0);
    expect(views.some((v) => v.status === 'REJECTED')).toBe(true);
    // No deadlock involved a unit or an assignment (the relays' known one is over outbox rows only).
    const deadlocks = await innodbDeadlocks();
    if (deadlocks.count > deadlocksBefore.count) expect(deadlocks.latestTables).toEqual(['outbox_message']);
    // Both replicas took part.
    expect([system.app('assign'), second].map((app) => app.output.some((line) => line.includes('Applied AllocationRequested')))).toEqual([
      true,
      true,
    ]);
  });
});
