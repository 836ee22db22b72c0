import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';

const POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const MARIADB = 'mysql://root@127.0.0.1:3306/';
/** Other work above this share of the CPU, before the bench starts anything, makes the machine not quiet. */
const QUIET_BELOW = 0.15;
const BUSY_SAMPLE_MS = 3000;

/** Busy and total CPU time of all cores so far, from /proc/stat (idle and iowait are not busy). */
function cpuTimes(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  return { busy: total - fields[3] - fields[4], total };
}

/** /proc/stat's first line, in its order; each a count of USER_HZ ticks (100 a second) over all cores. */
const CPU_STATES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/**
 * CPU ms the whole machine spent so far in each busy state (idle and iowait left out). The kernel's
 * network work for loopback connections runs partly as softirq, which no process's own times hold:
 * the difference between these and the processes' sum is what no process was charged with.
 */
export function machineCpuMs(): Record<string, number> {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = CPU_STATES.map((state, i) => [state, fields[i] * 10] as const).filter(([state]) => state !== 'idle' && state !== 'iowait');
  return Object.fromEntries(busy);
}

/**
 * The share of all cores busy over a few seconds, measured before the bench starts anything: the
 * load average lags by minutes (an earlier run still shows in it), this sees what runs now.
 */
async function busyShare(): Promise<number> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, BUSY_SAMPLE_MS));
  const after = cpuTimes();
  return after.total === before.total ? 0 : Math.round(((after.busy - before.busy) / (after.total - before.total)) * 100) / 100;
}

/**
 * What the figures were measured on (servers on their local ports; null when not there), and
 * whether the machine was quiet: figures from a busy machine are marked, and no target is judged.
 */
export async function describeMachine() {
  const busyShareAtStart = await busyShare();
  return {
    busyShareAtStart,
    quiet: busyShareAtStart < QUIET_BELOW,
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
