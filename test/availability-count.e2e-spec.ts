import { StorageSize } from '@app/contracts';
import { randomUUID } from 'node:crypto';
import { Connection, createConnection } from 'mysql2/promise';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ASSIGN_ENTITIES } from '../apps/assign/src/assign.schema';
import { AvailabilityRepository } from '../apps/assign/src/availability/availability.repository';
import { NewStorageUnit, StorageUnitsRepository } from '../apps/assign/src/storage-units/storage-units.repository';
import { isUniqueViolation } from '../libs/platform/src';
import { databaseOptions } from '../libs/platform/src/database';
import { E2E_DATABASES } from './e2e-env';
import { newLocation, seededRandom } from './harness';

const SEED = Number(process.env.AVAILABILITY_SEED ?? 20261203);
const DAY_MS = 24 * 60 * 60 * 1000;
const BASE = Date.parse('2030-01-01');
const day = (n: number) => new Date(BASE + n * DAY_MS).toISOString().slice(0, 10);

interface Booking {
  unit: number;
  size: StorageSize;
  from: number;
  to: number;
  status: 'ACTIVE' | 'RELEASED';
}

/**
 * AvailabilityRepository's count, straight against assign's database: rentals of every length
 * class, compared with a brute force over the rows written. The count reads only the rentals whose
 * length class lets them reach the period, so a wrong bound shows here as a unit counted free.
 */
describe('the availability count against a brute force', () => {
  let db: Connection;
  let dataSource: DataSource;
  let repository: AvailabilityRepository;
  let units: StorageUnitsRepository;

  beforeAll(async () => {
    db = await createConnection(E2E_DATABASES.assign);
    dataSource = await new DataSource(databaseOptions(E2E_DATABASES.assign, ASSIGN_ENTITIES, []) as DataSourceOptions).initialize();
    repository = new AvailabilityRepository(dataSource);
    units = new StorageUnitsRepository(dataSource);
  });

  afterAll(async () => {
    await db?.end();
    await dataSource?.destroy();
  });

  /** Units of each size in a new location (added as assign adds them), and the bookings given, as assign would have written them. */
  async function stock(location: string, inventory: Record<StorageSize, number>, bookings: (unitIds: Map<string, number>) => Booking[]) {
    const wanted = Object.entries(inventory).flatMap(([size, count]) =>
      Array.from({ length: count }, (_, i) => ({ code: `${location}-${size}-${i}`, location, size: size as StorageSize })),
    );
    await units.addMissing(wanted);
    const ids = new Map<string, number>();
    for (const unit of await units.list({ location })) ids.set(unit.code.slice(location.length + 1), unit.id);
    const written = bookings(ids);
    if (written.length > 0)
      await db.query('INSERT INTO assignment (rental_id, unit_id, unit_code, location, size, start_date, end_date, status) VALUES ?', [
        written.map((b) => [randomUUID(), b.unit, `unit-${b.unit}`, location, b.size, day(b.from), day(b.to), b.status]),
      ]);
    return written;
  }

  const booked = (bookings: Booking[], size: StorageSize, from: number, to: number) =>
    new Set(bookings.filter((b) => b.size === size && b.status === 'ACTIVE' && b.from <= to && b.to >= from).map((b) => b.unit)).size;

  it('counts a rental of any length as booked on its first and last day, and not the day after', async () => {
    const location = newLocation();
    // Each length on a unit of its own, ending on a day of its own: both sides of every class
    // boundary, and longer than the bounded classes.
    const spans = [
      0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 364, 511, 512, 1023, 1024, 2047, 2048, 4095, 4096, 9000,
    ];
    const lastDay = (i: number) => 10_000 + 20 * i;
    const bookings = await stock(location, { S: spans.length, M: 0, L: 0, XL: 0 }, (ids) =>
      spans.map((span, i) => ({
        unit: ids.get(`S-${i}`)!,
        size: 'S' as const,
        from: lastDay(i) - span,
        to: lastDay(i),
        status: 'ACTIVE' as const,
      })),
    );
    const periods = bookings.flatMap((b) => [
      [b.from, b.from],
      [b.to, b.to],
      [b.to + 1, b.to + 1],
    ]);
    const counted = [];
    for (const [from, to] of periods) counted.push((await repository.countsBySize(location, ['S'], day(from), day(to)))[0]);
    expect(counted).toEqual(periods.map(([from, to]) => ({ size: 'S', units: spans.length, booked: booked(bookings, 'S', from, to) })));
  });

  it('counts the units free for the whole period as a brute force does, over many lengths and periods', async () => {
    const location = newLocation();
    const next = seededRandom(SEED);
    const inventory: Record<StorageSize, number> = { S: 12, M: 8, L: 0, XL: 5 };
    // Each unit's rentals one after the other, of lengths from a day to over a year (every class up
    // to 9), some back to back; one in six cancelled, whose days count as free.
    const bookings = await stock(location, inventory, (ids) =>
      [...ids].flatMap(([key, unit]) => {
        const size = key.split('-')[0] as StorageSize;
        const list: Booking[] = [];
        for (let from = Math.floor(next() * 40); from < 900;) {
          const span = Math.floor(2 ** (next() * 9)) - 1;
          list.push({ unit, size, from, to: from + span, status: next() < 1 / 6 ? 'RELEASED' : 'ACTIVE' });
          from += span + 1 + (next() < 0.3 ? 0 : Math.floor(next() * 30));
        }
        return list;
      }),
    );
    const mismatches = [];
    for (let i = 0; i < 150; i++) {
      const from = Math.floor(next() * 950);
      const to = from + Math.floor(2 ** (next() * 8)) - 1;
      const counts = await repository.countsBySize(location, ['S', 'M', 'L', 'XL'], day(from), day(to));
      const expected = (Object.keys(inventory) as StorageSize[]).map((size) => ({
        size,
        units: inventory[size],
        booked: booked(bookings, size, from, to),
      }));
      if (JSON.stringify(counts) !== JSON.stringify(expected)) mismatches.push({ from, to, counts, expected });
    }
    expect(mismatches).toEqual([]);
  });

  it('counts every unit added, once when two replicas stock the same units at once, and none whose code was taken', async () => {
    const otherReplica = await new DataSource(databaseOptions(E2E_DATABASES.assign, ASSIGN_ENTITIES, []) as DataSourceOptions).initialize();
    const other = new StorageUnitsRepository(otherReplica);
    try {
      // Several rounds: two replicas' inserts in a bad order deadlock in about one round of three.
      for (let round = 0; round < 10; round++) {
        const location = newLocation();
        // Not in code order (S before M), as the seed is made.
        const seed: NewStorageUnit[] = ['S', 'M', 'XL'].flatMap((size) =>
          Array.from({ length: 30 }, (_, i) => ({ code: `${location}-${size}-${i}`, location, size: size as StorageSize })),
        );
        const added = await Promise.all([units.addMissing(seed), other.addMissing(seed)]);
        expect(added[0] + added[1]).toBe(seed.length);
        const refused = await units.add({ code: seed[0].code, location, size: 'S' }).catch((error: unknown) => error);
        expect(isUniqueViolation(refused)).toBe(true);
        await units.add({ code: `${location}-M-extra`, location, size: 'M' });
        const counts = await repository.countsBySize(location, ['S', 'M', 'L', 'XL'], day(1), day(1));
        expect(counts.map(({ size, units }) => ({ size, units }))).toEqual([
          { size: 'S', units: 30 },
          { size: 'M', units: 31 },
          { size: 'L', units: 0 },
          { size: 'XL', units: 30 },
        ]);
      }
    } finally {
      await otherReplica.destroy();
    }
  });
});
