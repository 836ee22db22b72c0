import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';

const POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const MARIADB = 'mysql://root@127.0.0.1:3306/';

/** What the figures were measured on (servers on their local ports; null when not there). The load average says how busy the machine was already. */
export async function describeMachine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
    postgres: await attempt(async () => {
      const db = new Client({ connectionString: POSTGRES });
      await db.connect();
      try {
        return (await db.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
      } finally {
        await db.end();
      }
    }),
    mariadb: await attempt(async () => {
      const db = await createConnection(MARIADB);
      try {
        const [rows] = await db.query('SELECT VERSION() AS v');
        return (rows as { v: string }[])[0].v;
      } finally {
        await db.end();
      }
    }),
    rabbitmq: await attempt(async () =>
      execFileSync('rabbitmqctl', ['version'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim(),
    ),
  };
}

async function attempt(read: () => Promise<string>): Promise<string | null> {
  try {
    return await read();
  } catch {
    return null;
  }
}
