import { readFileSync, readdirSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { sumOf, scrape } from './prometheus';

/** USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every Linux this runs on. */
export const CLOCK_TICKS_PER_SECOND = 100;
/** The servers on the box besides our apps, by process name. */
const SERVERS = { postgres: 'postgres', mariadb: 'mariadbd', rabbitmq: 'beam.smp' };
/**
 * PostgreSQL 15 backends flush their statistics at most once a second while busy and after 10 s
 * idle: the counters are read this long after the load, so that they hold all of its work.
 */
export const STATS_FLUSH_WAIT_MS = 11_000;

export interface WorkCounters {
  /** pg_stat_database.xact_commit of each of the system's PostgreSQL databases. */
  postgresCommits: Record<string, number>;
  /** MariaDB's global Com_commit (transactions) and Questions (statements from clients). */
  mariadb: { commits: number; questions: number };
  /** database_queries_total of each app: every statement it sent, one round trip each. */
  appStatements: Record<string, number>;
}

/**
 * The servers' own counters, read before and after a phase: what each application cost in
 * durable transactions, database round trips and CPU outside our apps.
 */
export async function readWorkCounters(
  databases: { postgres: string[]; mariadb: string },
  apps: Record<string, string>,
): Promise<WorkCounters> {
  const appUrls = Object.values(apps);
  // Through the server's own `postgres` database: our SELECT must not count as one of the system's commits.
  const server = new URL(databases.postgres[0]);
  server.pathname = '/postgres';
  const postgres = new Client({ connectionString: server.toString() });
  await postgres.connect();
  const names = databases.postgres.map((url) => new URL(url).pathname.slice(1));
  const { rows } = await postgres
    .query<{ datname: string; xact_commit: string }>('SELECT datname, xact_commit FROM pg_stat_database WHERE datname = ANY($1)', [names])
    .finally(() => postgres.end());
  const mariadb = await createConnection(databases.mariadb);
  const [status] = await mariadb
    .query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_commit', 'Questions')")
    .finally(() => mariadb.end());
  const mariadbStatus = Object.fromEntries(
    (status as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, Number(r.Value)]),
  );
  const texts = await Promise.all(appUrls.map((url) => scrape(url)));
  return {
    postgresCommits: Object.fromEntries(rows.map((r) => [r.datname, Number(r.xact_commit)])),
    mariadb: { commits: mariadbStatus.Com_commit ?? 0, questions: mariadbStatus.Questions ?? 0 },
    appStatements: Object.fromEntries(Object.keys(apps).map((app, i) => [app, texts[i] ? sumOf(texts[i]!, 'database_queries_total') : 0])),
  };
}

export interface WorkPerApplication {
  /** Durable transactions: PostgreSQL commits of our databases plus MariaDB's. */
  transactions: number;
  transactionsByDatabase: Record<string, number>;
  /** Statements our apps sent to their databases, each a round trip; and by app. */
  roundTrips: number;
  roundTripsByApp: Record<string, number>;
  /** MariaDB's own count of statements, beside assign's. */
  mariadbQuestions: number;
}

/**
 * Per accepted application. `ownQueries` are the bench's own statements in that window (the
 * saga-lag sampler's polls of the view database, and the counters' reads), taken off the view's
 * and MariaDB's figures.
 */
export function workPerApplication(
  before: WorkCounters,
  after: WorkCounters,
  accepted: number,
  own: { viewDatabase: string; viewQueries: number },
): WorkPerApplication {
  const per = (n: number) => Math.round((n / accepted) * 100) / 100;
  const byDatabase = Object.fromEntries(
    Object.keys(after.postgresCommits).map((db) => {
      const delta = after.postgresCommits[db] - (before.postgresCommits[db] ?? 0);
      return [db, per(delta - (db === own.viewDatabase ? own.viewQueries : 0))];
    }),
  );
  // Our two SHOW statements (one per read) count as questions and as nothing else.
  const mariadbCommits = after.mariadb.commits - before.mariadb.commits;
  byDatabase.mariadb = per(mariadbCommits);
  return {
    transactions: Math.round(Object.values(byDatabase).reduce((a, b) => a + b, 0) * 100) / 100,
    transactionsByDatabase: byDatabase,
    roundTrips: per(
      Object.keys(after.appStatements).reduce((sum, app) => sum + after.appStatements[app] - (before.appStatements[app] ?? 0), 0),
    ),
    roundTripsByApp: Object.fromEntries(
      Object.keys(after.appStatements).map((app) => [app, per(after.appStatements[app] - (before.appStatements[app] ?? 0))]),
    ),
    mariadbQuestions: per(after.mariadb.questions - before.mariadb.questions - 1),
  };
}

/**
 * CPU ms so far of every live process of each server, and of the bench itself, from /proc (Linux
 * only). Read it while the load's database connections are still open: a backend that exits takes
 * its CPU time with it (node-postgres closes connections idle for 10 s).
 */
export function serverCpuMs(): Record<string, number> {
  const totals: Record<string, number> = Object.fromEntries(Object.keys(SERVERS).map((k) => [k, 0]));
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const server = Object.entries(SERVERS).find(([, name]) => name === comm)?.[0];
    if (!server) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    totals[server] += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  }
  const bench = process.cpuUsage();
  return { ...totals, bench: (bench.user + bench.system) / 1000 };
}
