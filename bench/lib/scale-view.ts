import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { Progress } from './progress';
import { Percentiles, percentiles, round } from './stats';

/**
 * The read model grows to each size with generated rentals: customers of ten rentals each, and one
 * heavy customer with 1% of all rows, whose list needs the COUNT as well (TypeORM skips it when
 * the first page is not full).
 */
const TYPICAL = 'scale-c1';
const HEAVY = 'scale-heavy';

export interface ViewScalePoint {
  rentals: number;
  insertSeconds: number;
  heavyCustomerRentals: number;
  /** One page (20) for a customer with 10 rentals: the list query alone. */
  typical: Percentiles | null;
  /** One page for the heavy customer: the list query and its COUNT. */
  heavy: Percentiles | null;
  explain: { list: string[]; count: string[] };
}

/** What RentalViewsService.listByCustomer sends (TypeORM's findAndCount, captured from PostgreSQL's log). */
const COLUMNS = [
  'rental_id',
  'customer_id',
  'phone',
  'location',
  'size',
  'start_date',
  'end_date',
  'cost_cents',
  'currency',
  'status',
  'unit_code',
  'reason',
  'requested_at',
  'updated_at',
]
  .map((c) => `"RentalView"."${c}" AS "RentalView_${c}"`)
  .join(', ');
const LIST = `SELECT ${COLUMNS} FROM "rental_view" "RentalView" WHERE (("RentalView"."customer_id" = $1)) ORDER BY "RentalView"."requested_at" DESC, "RentalView"."rental_id" ASC LIMIT 20 OFFSET 0`;
const COUNT = `SELECT COUNT(1) AS "cnt" FROM "rental_view" "RentalView" WHERE (("RentalView"."customer_id" = $1))`;
const PAGE_SIZE = 20;

export async function viewScaleCurve(databaseUrl: string, sizes: number[], probes: number, progress: Progress): Promise<ViewScalePoint[]> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const points: ViewScalePoint[] = [];
    let inserted = 0;
    for (const rentals of sizes) {
      progress.update(`view scale: growing the read model to ${rentals} generated rentals`);
      const started = performance.now();
      await insertRentals(db, inserted + 1, rentals);
      inserted = Math.max(inserted, rentals);
      const insertSeconds = round((performance.now() - started) / 1000);

      const timings = { typical: [] as number[], heavy: [] as number[] };
      for (const [kind, customer] of [
        ['typical', TYPICAL],
        ['heavy', HEAVY],
      ] as const) {
        for (let i = 0; i < probes; i++) {
          progress.update(`view scale: ${rentals} rentals, ${kind} customer, ${i + 1}/${probes}`);
          const t0 = performance.now();
          const { rowCount } = await db.query(LIST, [customer]);
          if ((rowCount ?? 0) >= PAGE_SIZE) await db.query(COUNT, [customer]);
          timings[kind].push(performance.now() - t0);
        }
      }
      const explain = async (sql: string) =>
        (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [HEAVY])).rows.map((r) => r['QUERY PLAN']);
      const [{ n }] = (await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM rental_view WHERE customer_id = $1', [HEAVY])).rows;
      points.push({
        rentals,
        insertSeconds,
        heavyCustomerRentals: Number(n),
        typical: percentiles(timings.typical),
        heavy: percentiles(timings.heavy),
        explain: { list: await explain(LIST), count: await explain(COUNT) },
      });
    }
    return points;
  } finally {
    await db.end();
  }
}

/** One INSERT … SELECT from generate_series per step; ids ascend, so the primary key only ever appends. */
async function insertRentals(db: Client, from: number, to: number): Promise<void> {
  if (from > to) return;
  await db.query(
    `INSERT INTO rental_view (rental_id, customer_id, phone, location, size, start_date, end_date, cost_cents, currency, status, unit_code, requested_at, updated_at)
     SELECT ('f0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
            CASE WHEN i % 100 = 0 THEN '${HEAVY}' ELSE 'scale-c' || (i / 10) END,
            '+49 30 1234567', 'scale', (ARRAY['S', 'M', 'L', 'XL'])[1 + i % 4], current_date + 30, current_date + 37, 1750, 'EUR',
            CASE WHEN i % 10 = 9 THEN 'REJECTED' ELSE 'CONFIRMED' END, CASE WHEN i % 10 = 9 THEN NULL ELSE 'SCALE-' || i END,
            now() - make_interval(secs => i), now()
     FROM generate_series($1::int, $2::int) AS i`,
    [from, to],
  );
  // Fresh statistics and visibility map, as autovacuum would leave them on a table this size.
  await db.query('VACUUM (ANALYZE) rental_view');
}
