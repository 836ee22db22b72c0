import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { ADMIN_DATABASES, E2E_DATABASES } from './e2e-env';

/** Pairs of ACTIVE assignments of one unit that share a day: must always be zero. */
export async function countDoubleBookings(): Promise<number> {
  const connection = await createConnection(E2E_DATABASES.assign);
  try {
    const [rows] = await connection.query(`
      SELECT COUNT(*) AS n FROM assignment a
      JOIN assignment b ON a.unit_id = b.unit_id AND a.rental_id < b.rental_id
      WHERE a.status = 'ACTIVE' AND b.status = 'ACTIVE' AND a.start_date <= b.end_date AND b.start_date <= a.end_date`);
    return Number((rows as { n: number }[])[0].n);
  } finally {
    await connection.end();
  }
}

export async function activeAssignments(location: string): Promise<{ rental_id: string; unit_code: string }[]> {
  const connection = await createConnection(E2E_DATABASES.assign);
  try {
    const [rows] = await connection.query(`SELECT rental_id, unit_code FROM assignment WHERE location = ? AND status = 'ACTIVE'`, [
      location,
    ]);
    return rows as { rental_id: string; unit_code: string }[];
  } finally {
    await connection.end();
  }
}

/** assign's row for each of these rentals that has one (a tombstone included). */
export async function assignmentsOf(rentalIds: string[]): Promise<{ rental_id: string; status: string }[]> {
  if (rentalIds.length === 0) return [];
  const connection = await createConnection(E2E_DATABASES.assign);
  try {
    const [rows] = await connection.query(`SELECT rental_id, status FROM assignment WHERE rental_id IN (?)`, [rentalIds]);
    return rows as { rental_id: string; status: string }[];
  } finally {
    await connection.end();
  }
}

/** Runs one statement against an e2e PostgreSQL database (rental, manage or view). */
export async function queryPostgres<T>(database: 'rental' | 'manage' | 'view', sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: E2E_DATABASES[database] });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * How many deadlocks InnoDB has detected since it started, and the tables of the latest (all
 * databases: the e2e suites run one at a time).
 */
export async function innodbDeadlocks(): Promise<{ count: number; latestTables: string[] }> {
  // InnoDB's status needs the PROCESS privilege, which assign's own user does not have.
  const connection = await createConnection(ADMIN_DATABASES.mariadb);
  try {
    const [counter] = await connection.query("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'");
    const [[engine]] = (await connection.query('SHOW ENGINE INNODB STATUS')) as unknown as [{ Status: string }[]];
    const latest = /LATEST DETECTED DEADLOCK([\s\S]*?)\n-+\nTRANSACTIONS/.exec(engine.Status)?.[1] ?? '';
    return {
      count: Number((counter as { Value: string }[])[0].Value),
      latestTables: [...new Set([...latest.matchAll(/of table `[^`]+`\.`([^`]+)`/g)].map((m) => m[1]))].sort(),
    };
  } finally {
    await connection.end();
  }
}
