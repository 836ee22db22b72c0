import { randomInt, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Connection, RowDataPacket, createConnection } from 'mysql2/promise';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ASSIGN_ENTITIES } from '../../apps/assign/src/assign.schema';
import { PROBE_KEYS } from '../../apps/assign/src/assignments/assignments.repository';
import { CANDIDATES_PER_READ } from '../../apps/assign/src/assignments/assignments.service';
import { AvailabilityRepository } from '../../apps/assign/src/availability/availability.repository';
import { databaseOptions } from '../../libs/platform/src/database';
import { Progress } from './progress';
import { Percentiles, percentiles, round } from './stats';

const SIZES = ['S', 'M', 'L', 'XL'];
const DAY_MS = 24 * 60 * 60 * 1000;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

/**
 * The inventory each size of the curve gets, in a location of its own (`scale-<n>`), so the
 * tables grow from step to step as they would over time:
 * - every unit has rented out before: PAST_RENTALS finished periods, still ACTIVE (nothing retires
 *   them), one far-future booking, and one RELEASED (cancelled) booking over both probe periods;
 * - the lower half of each size's units by id is booked over the BUSY period, as first-fit by id
 *   (assign before issue 15) left a popular week: the worst case for a search in id order;
 * - every unit is booked over the FULL period: each application is rejected after the whole search.
 */
const PAST_RENTALS = 4;
const FREE_PERIOD = [60, 62] as const;
const BUSY_PERIOD = [32, 35] as const;
const BOOKED_PERIOD = [30, 40] as const;
const FULL_PERIOD = [150, 152] as const;
const FAR_PERIOD = [200, 210] as const;
const RELEASED_PERIOD = [20, 70] as const;
/** Availability is asked for a week inside the booked period and for 90 days over it. */
const WEEK_PERIOD = [32, 38] as const;
const QUARTER_PERIOD = [30, 119] as const;

export interface AssignScalePoint {
  units: number;
  assignmentsInTable: number;
  unitsInTable: number;
  setupSeconds: number;
  /** A period nobody has booked: the first candidate is free. */
  free: Percentiles | null;
  /** Half of the size's units (the lower ids) are booked over the period. */
  busy: Percentiles | null;
  /** Every unit is booked over the period: the search reads them all and the application is rejected. */
  full: Percentiles | null;
  /** GET /availability's read (AvailabilityRepository, one size) over a week of the busy period, and over 90 days. */
  availabilityWeek: Percentiles | null;
  availabilityQuarter: Percentiles | null;
  /** The same week for every size at once (one row per size). */
  availabilityWeekAllSizes: Percentiles | null;
  explain: { free: PlanRow[]; busy: PlanRow[] };
  /** MariaDB's ANALYZE of the candidate query in the busy period: the rows each step really read. */
  analyzeBusy: AnalyzedTable[];
}

type PlanRow = Record<string, string | number | null>;
interface AnalyzedTable {
  table: string;
  accessType?: string;
  key?: string;
  loops?: number;
  rowsPerLoop?: number;
  /** InnoDB pages the access touched: the one measure MariaDB gives for an index_subquery's work. */
  pagesAccessed?: number;
  totalTimeMs?: number;
}

/** The timed path, statement for statement what assign's consumer sends for one AllocationRequested (captured from MariaDB's general log). */
const UNIT_COLUMNS =
  '`candidate`.`id` AS `candidate_id`, `candidate`.`code` AS `candidate_code`, `candidate`.`location` AS `candidate_location`, `candidate`.`size` AS `candidate_size`, `candidate`.`created_at` AS `candidate_created_at`';
const ASSIGNMENT_COLUMNS = [
  'rental_id',
  'unit_id',
  'unit_code',
  'location',
  'size',
  'start_date',
  'end_date',
  'status',
  'reason',
  'created_at',
  'updated_at',
]
  .map((c) => `\`assignment\`.\`${c}\` AS \`assignment_${c}\``)
  .join(', ');
/** As AssignmentsRepository sends them: the overlap as an anti-join (LEFT JOIN … IS NULL). */
const FREE_UNITS_FROM = `FROM \`storage_unit\` \`candidate\` LEFT JOIN \`assignment\` \`booked\` ON \`booked\`.\`unit_id\` = \`candidate\`.\`id\` AND \`booked\`.\`status\` = 'ACTIVE'
  AND \`booked\`.\`start_date\` <= ? AND \`booked\`.\`end_date\` >= ? WHERE \`booked\`.\`rental_id\` IS NULL`;
const FREE_UNITS = `SELECT ${UNIT_COLUMNS} ${FREE_UNITS_FROM}`;
/** freeUnitsInProbeOrder: the next few free units in probe-key order from a random point. */
const CANDIDATES = `SELECT ${UNIT_COLUMNS}, \`candidate\`.\`probe_key\` AS \`candidate_probe_key\` ${FREE_UNITS_FROM} AND \`candidate\`.\`location\` = ? AND \`candidate\`.\`size\` = ? AND (\`candidate\`.\`probe_key\` > ? OR (\`candidate\`.\`probe_key\` = ? AND \`candidate\`.\`id\` > ?)) AND \`candidate\`.\`probe_key\` < ? ORDER BY \`candidate\`.\`probe_key\` ASC, \`candidate\`.\`id\` ASC LIMIT ${CANDIDATES_PER_READ}`;
const candidateParameters = (
  endDate: string,
  startDate: string,
  location: string,
  size: string,
  afterKey: number,
  afterId: number,
  below: number,
) => [endDate, startDate, location, size, afterKey, afterKey, afterId, below];

export async function assignScaleCurve(
  databaseUrl: string,
  sizes: number[],
  probes: number,
  progress: Progress,
): Promise<AssignScalePoint[]> {
  const db = await createConnection(databaseUrl);
  const dataSource = await new DataSource(databaseOptions(databaseUrl, ASSIGN_ENTITIES, []) as DataSourceOptions).initialize();
  const availabilityRepository = new AvailabilityRepository(dataSource);
  try {
    const points: AssignScalePoint[] = [];
    for (const units of sizes) {
      const location = `scale-${units}`;
      progress.update(`assign scale: stocking ${units} units with their assignments`);
      const setupStarted = performance.now();
      await stock(db, location, Math.max(1, Math.floor(units / SIZES.length)));
      const setupSeconds = round((performance.now() - setupStarted) / 1000);
      const [[counts]] = await db.query<RowDataPacket[]>(
        'SELECT (SELECT COUNT(*) FROM storage_unit) AS units, (SELECT COUNT(*) FROM assignment) AS assignments',
      );

      const timings = { free: [] as number[], busy: [] as number[], full: [] as number[] };
      for (const scenario of ['free', 'busy', 'full'] as const) {
        const [from, to] = scenario === 'free' ? FREE_PERIOD : scenario === 'busy' ? BUSY_PERIOD : FULL_PERIOD;
        for (let i = 0; i < probes; i++) {
          progress.update(`assign scale: ${units} units, ${scenario} period, ${i + 1}/${probes}`);
          timings[scenario].push(
            await timeAssignment(
              db,
              location,
              SIZES[i % SIZES.length],
              day(from),
              day(to),
              scenario === 'full' ? 'unavailable' : 'assigned',
            ),
          );
        }
      }
      progress.update(`assign scale: ${units} units, availability`);
      const availability = await timeAvailability(availabilityRepository, location, probes);
      const start = randomInt(PROBE_KEYS);
      const explainOf = (period: readonly [number, number]) =>
        candidateParameters(day(period[1]), day(period[0]), location, 'M', start, 0, PROBE_KEYS);
      const [free] = await db.query<RowDataPacket[]>(`EXPLAIN ${CANDIDATES}`, explainOf(FREE_PERIOD));
      const [busy] = await db.query<RowDataPacket[]>(`EXPLAIN ${CANDIDATES}`, explainOf(BUSY_PERIOD));
      const [[analyzed]] = await db.query<RowDataPacket[]>(`ANALYZE FORMAT=JSON ${CANDIDATES}`, explainOf(BUSY_PERIOD));
      points.push({
        units,
        unitsInTable: Number(counts.units),
        assignmentsInTable: Number(counts.assignments),
        setupSeconds,
        free: percentiles(timings.free),
        busy: percentiles(timings.busy),
        full: percentiles(timings.full),
        ...availability,
        explain: { free: planRows(free), busy: planRows(busy) },
        analyzeBusy: analyzedTables(JSON.parse(String(Object.values(analyzed)[0]))),
      });
    }
    return points;
  } finally {
    await db.end();
    await dataSource.destroy();
  }
}

async function stock(db: Connection, location: string, perSize: number): Promise<void> {
  const sizes = SIZES.map((s) => `SELECT '${s}' AS size`).join(' UNION ALL ');
  await db.query(
    `INSERT INTO storage_unit (code, location, size)
     SELECT CONCAT(?, '-', s.size, '-', seq), ?, s.size FROM seq_1_to_${perSize} JOIN (${sizes}) s`,
    [location, location],
  );
  // As StorageUnitsRepository keeps it for the units it adds: availability reads the count from here.
  await db.query(
    'INSERT INTO storage_unit_count (location, size, units) SELECT location, size, COUNT(*) FROM storage_unit WHERE location = ? GROUP BY location, size',
    [location],
  );
  const insertFor = (status: string, from: string, to: string, where = '1 = 1') =>
    db.query(
      `INSERT INTO assignment (rental_id, unit_id, unit_code, location, size, start_date, end_date, status)
       SELECT UUID(), id, code, location, size, ?, ?, ? FROM (
         SELECT u.*, ROW_NUMBER() OVER (PARTITION BY size ORDER BY id) AS rank_in_size FROM storage_unit u WHERE location = ?
       ) ranked WHERE ${where}`,
      [from, to, status, location],
    );
  for (let past = 1; past <= PAST_RENTALS; past++) await insertFor('ACTIVE', day(-30 * past - 7), day(-30 * past));
  await insertFor('RELEASED', day(RELEASED_PERIOD[0]), day(RELEASED_PERIOD[1]));
  await insertFor('ACTIVE', day(FAR_PERIOD[0]), day(FAR_PERIOD[1]));
  await insertFor('ACTIVE', day(BOOKED_PERIOD[0]), day(BOOKED_PERIOD[1]), `rank_in_size <= ${Math.floor(perSize / 2)}`);
  await insertFor('ACTIVE', day(FULL_PERIOD[0]), day(FULL_PERIOD[1]));
  await db.query('ANALYZE TABLE storage_unit, assignment');
}

/** What availability's one read costs, as GET /availability makes it (the HTTP hop aside). */
async function timeAvailability(repository: AvailabilityRepository, location: string, probes: number) {
  const timed = async (sizes: readonly string[], [from, to]: readonly [number, number]) => {
    const timings: number[] = [];
    for (let i = 0; i < probes; i++) {
      const started = performance.now();
      await repository.countsBySize(location, sizes as never, day(from), day(to));
      timings.push(performance.now() - started);
    }
    return percentiles(timings);
  };
  return {
    availabilityWeek: await timed(['M'], WEEK_PERIOD),
    availabilityQuarter: await timed(['M'], QUARTER_PERIOD),
    availabilityWeekAllSizes: await timed(SIZES, WEEK_PERIOD),
  };
}

/**
 * One assignment as the service makes it in a batch (never waiting for a lock), committed (the
 * commit's flush is part of the cost), then undone outside the timing so every probe meets the
 * same state. `unavailable`: the search finds no unit and the rental is turned down.
 */
async function timeAssignment(
  db: Connection,
  location: string,
  size: string,
  startDate: string,
  endDate: string,
  outcome: 'assigned' | 'unavailable',
): Promise<number> {
  const rentalId = randomUUID();
  const inboxId = randomUUID();
  const outboxId = randomUUID();
  const started = performance.now();
  await db.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
  await db.query('START TRANSACTION');
  await db.query(
    "INSERT INTO `inbox_message`(`message_id`, `type`, `received_at`) VALUES (?, 'AllocationRequested', DEFAULT) RETURNING `received_at`",
    [inboxId],
  );
  await db.query(
    `SELECT ${ASSIGNMENT_COLUMNS} FROM \`assignment\` \`assignment\` WHERE \`assignment\`.\`rental_id\` = ? FOR UPDATE NOWAIT`,
    [rentalId],
  );
  const unit = await freeUnitFromRandomPoint(db, location, size, startDate, endDate);
  if ((unit === undefined) !== (outcome === 'unavailable'))
    throw new Error(`${size} in ${location} from ${startDate} to ${endDate}: expected ${outcome}; the scale data is not what it should be`);
  const event = unit ? 'StorageAssigned' : 'StorageUnavailable';
  const reason = `No ${size} unit is free in ${location} from ${startDate} to ${endDate}`;
  await db.query(
    'INSERT INTO `assignment`(`rental_id`, `unit_id`, `unit_code`, `location`, `size`, `start_date`, `end_date`, `status`, `reason`, `created_at`, `updated_at`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, DEFAULT, DEFAULT) RETURNING `created_at`, `updated_at`',
    [
      rentalId,
      unit?.candidate_id ?? null,
      unit?.candidate_code ?? null,
      location,
      size,
      startDate,
      endDate,
      unit ? 'ACTIVE' : 'UNAVAILABLE',
      unit ? null : reason,
    ],
  );
  const body = JSON.stringify({
    id: outboxId,
    type: event,
    version: 1,
    occurredAt: new Date().toISOString(),
    correlationId: rentalId,
    payload: unit ? { rentalId, unitCode: unit.candidate_code } : { rentalId, reason },
  });
  await db.query(
    'INSERT INTO `outbox_message`(`position`, `message_id`, `type`, `routing_key`, `correlation_id`, `trace_context`, `body`, `created_at`, `published_at`) VALUES (DEFAULT, ?, ?, ?, ?, NULL, ?, DEFAULT, DEFAULT) RETURNING `position`, `created_at`',
    [outboxId, event, unit ? 'storage.assigned.v1' : 'storage.unavailable.v1', rentalId, body],
  );
  await db.query('COMMIT');
  const elapsed = performance.now() - started;
  await db.query('DELETE FROM assignment WHERE rental_id = ?', [rentalId]);
  await db.query('DELETE FROM outbox_message WHERE message_id = ?', [outboxId]);
  await db.query('DELETE FROM inbox_message WHERE message_id = ?', [inboxId]);
  return elapsed;
}

/** AssignmentsService.freeUnitFromRandomPoint: from a random probe key to the end, then from the start up to it. */
async function freeUnitFromRandomPoint(db: Connection, location: string, size: string, startDate: string, endDate: string) {
  const start = randomInt(PROBE_KEYS);
  for (const [from, below] of [
    [start, PROBE_KEYS],
    [0, start],
  ]) {
    let after = { probeKey: from, id: 0 };
    for (;;) {
      const [candidates] = await db.query<RowDataPacket[]>(
        CANDIDATES,
        candidateParameters(endDate, startDate, location, size, after.probeKey, after.id, below),
      );
      for (const candidate of candidates) {
        const [locked] = await db.query<RowDataPacket[]>(
          `SELECT ${UNIT_COLUMNS} FROM \`storage_unit\` \`candidate\` WHERE \`candidate\`.\`id\` = ? FOR UPDATE SKIP LOCKED`,
          [candidate.candidate_id],
        );
        if (locked.length === 0) continue;
        const [[stillFree]] = await db.query<RowDataPacket[]>(`${FREE_UNITS} AND \`candidate\`.\`id\` = ?`, [
          endDate,
          startDate,
          candidate.candidate_id,
        ]);
        if (stillFree) return candidate;
      }
      if (candidates.length < CANDIDATES_PER_READ) break;
      const last = candidates[candidates.length - 1];
      after = { probeKey: Number(last.candidate_probe_key), id: Number(last.candidate_id) };
    }
  }
  return undefined;
}

function planRows(rows: RowDataPacket[]): PlanRow[] {
  return rows.map((row) => ({
    id: row.id,
    select_type: row.select_type,
    table: row.table,
    type: row.type,
    key: row.key,
    key_len: row.key_len,
    rows: row.rows,
    Extra: row.Extra,
  }));
}

/** Flattens MariaDB's ANALYZE FORMAT=JSON into one entry per table access. */
function analyzedTables(node: unknown, found: AnalyzedTable[] = []): AnalyzedTable[] {
  if (Array.isArray(node)) {
    for (const child of node) analyzedTables(child, found);
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.table_name === 'string') {
      found.push({
        table: record.table_name,
        accessType: record.access_type as string | undefined,
        key: record.key as string | undefined,
        loops: record.r_loops as number | undefined,
        rowsPerLoop: record.r_rows as number | undefined,
        pagesAccessed: (record.r_engine_stats as { pages_accessed?: number } | undefined)?.pages_accessed,
        totalTimeMs: record.r_total_time_ms === undefined ? undefined : round(Number(record.r_total_time_ms), 2),
      });
    }
    for (const value of Object.values(record)) analyzedTables(value, found);
  }
  return found;
}
