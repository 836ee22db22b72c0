import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { BROKER_APPS, brokerAccountOf, brokerUrlVariableOf } from '../../libs/messaging/src/broker-accounts';
import { DB_SETUP_ENTRY, appEntry } from '../../scripts/build-output';
import { CLOCK_TICKS_PER_SECOND } from './server-work';
import { JWT_SECRET } from './tokens';

/**
 * The system under test. The bench's own one lives beside development and the e2e tests: its own
 * ports, databases and RabbitMQ vhost (the same scheme as test/e2e-env.ts), created fresh each run.
 */
export type AppName = 'gateway' | 'rental' | 'manage' | 'assign' | 'view';
const APPS: AppName[] = ['rental', 'manage', 'assign', 'view', 'gateway'];
const PORTS: Record<AppName, number> = { gateway: 28088, rental: 28081, manage: 28082, assign: 28083, view: 28084 };
const VHOST = 'storage-rental-bench';

export const BENCH_DATABASES = {
  rental: 'postgres://rental@127.0.0.1:5432/rental_bench',
  manage: 'postgres://manage@127.0.0.1:5432/manage_bench',
  view: 'postgres://view@127.0.0.1:5432/view_bench',
  assign: 'mysql://assign@127.0.0.1:3306/assign_bench',
};

const url = (app: AppName) => `http://127.0.0.1:${PORTS[app]}`;

/** Production settings (.env.example) except where the bench must differ; each difference says why. */
const BENCH_ENV: Record<string, string> = {
  HOST: '127.0.0.1',
  GATEWAY_PORT: String(PORTS.gateway),
  RENTAL_PORT: String(PORTS.rental),
  MANAGE_PORT: String(PORTS.manage),
  ASSIGN_PORT: String(PORTS.assign),
  VIEW_PORT: String(PORTS.view),
  RENTAL_URL: url('rental'),
  MANAGE_URL: url('manage'),
  ASSIGN_URL: url('assign'),
  VIEW_URL: url('view'),
  RENTAL_DATABASE_URL: BENCH_DATABASES.rental,
  MANAGE_DATABASE_URL: BENCH_DATABASES.manage,
  VIEW_DATABASE_URL: BENCH_DATABASES.view,
  ASSIGN_DATABASE_URL: BENCH_DATABASES.assign,
  // The bench's own reads of the broker: an administrator. Each app gets its own account below.
  AMQP_URL: `amqp://guest:guest@127.0.0.1:5672/${VHOST}`,
  ...Object.fromEntries(
    BROKER_APPS.map((app) => [brokerUrlVariableOf(app), `amqp://bench-${app}:bench-${app}-broker@127.0.0.1:5672/${VHOST}`]),
  ),
  LOG_FORMAT: 'json',
  JWT_SECRET,
  // Only rental signs with it (its calls to manage); the bench itself never does.
  SERVICE_TOKEN_SECRET: 'bench-only-service-token-secret-0123456789-abcdefgh',
  // One client sends everything: the per-client limit would measure itself.
  RATE_LIMIT_MAX: '100000000',
  RATE_LIMIT_WINDOW_MS: '60000',
  // The bench stocks a location of its own per run; the demo inventory would only be noise.
  SEED_LOCATIONS: '',
  // No load balancer to wait for: stop promptly.
  SHUTDOWN_DRAIN_MS: '300',
};

export interface System {
  gateway: string;
  rental: string;
  view: string;
  viewDatabaseUrl: string;
  /** True when the bench started (and owns) the system: its databases may be written directly. */
  owned: boolean;
  /** The apps that have a database (rental, manage, assign, view) and their URLs, for /metrics; only when owned. */
  databaseApps?: Partial<Record<AppName, string>>;
  /** When the bench spawned the apps (ms since the epoch), where their --cpu-prof profiles begin. */
  spawnedAt?: number;
  /** The broker's vhost of this system, to watch its queues drain; only when owned. */
  amqpUrl?: string;
  /** Lines an app logged so far that contain `text`; undefined when the bench cannot see the app's logs. */
  countLogLines(app: AppName, text: string): number | undefined;
  /** Each app's process id; undefined when the bench did not start the apps. */
  pids(): Partial<Record<AppName, number>> | undefined;
  /** CPU ms each app has used so far; undefined when the bench did not start the apps. */
  cpuMs(): Partial<Record<AppName, number>> | undefined;
  /** Messages waiting in each queue of the system's vhost; undefined when the bench does not own it. */
  queueDepths(): Record<string, number> | undefined;
  stop(): Promise<void>;
}

export function attach(options: { url: string; rentalUrl?: string; viewUrl?: string; viewDatabaseUrl?: string }): System {
  return {
    gateway: options.url,
    rental: options.rentalUrl ?? 'http://127.0.0.1:8081',
    view: options.viewUrl ?? 'http://127.0.0.1:8084',
    viewDatabaseUrl: options.viewDatabaseUrl ?? process.env.VIEW_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/view',
    owned: false,
    countLogLines: () => undefined,
    pids: () => undefined,
    cpuMs: () => undefined,
    queueDepths: () => undefined,
    stop: async () => undefined,
  };
}

class AppProcess {
  private readonly counters = new Map<string, number>();
  private readonly exited: Promise<void>;
  private tail = '';

  constructor(
    readonly app: AppName,
    private readonly child: ChildProcess,
    log: WriteStream,
    watched: string[],
  ) {
    // Lines are counted as they stream past rather than kept: under load the apps log thousands a second.
    const scan = (chunk: Buffer) => {
      log.write(chunk);
      const text = this.tail + chunk.toString();
      const lines = text.split('\n');
      this.tail = lines.pop() ?? '';
      for (const line of lines) for (const w of watched) if (line.includes(w)) this.counters.set(w, (this.counters.get(w) ?? 0) + 1);
    };
    child.stdout?.on('data', scan);
    child.stderr?.on('data', scan);
    this.exited = new Promise((resolve) => child.once('exit', () => log.end(resolve)));
  }

  count(text: string): number {
    return this.counters.get(text) ?? 0;
  }

  /** CPU time (user + system) the process has used so far, in ms; from /proc, so Linux only. */
  cpuMs(): number | undefined {
    try {
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    } catch {
      return undefined;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Log lines the report counts; the apps' own wording (rental's ManageClient). */
export const BREAKER_OPENED = 'Circuit to manage opened';

/**
 * Starts the bench's own system. `onSpawned` receives a stop function as soon as processes exist,
 * so that Ctrl-C during start-up stops them too.
 */
export async function startOwnSystem(options: {
  cpuProfDir?: string;
  /** Run the apps with --perf-basic-prof, so that perf names their JavaScript frames. */
  perfMaps?: boolean;
  say: (line: string) => void;
  onSpawned: (stop: () => Promise<void>) => void;
}): Promise<System> {
  for (const [app, port] of Object.entries(PORTS)) {
    if (await listening(port)) throw new Error(`Port ${port} (${app}) is taken: is another bench still running?`);
  }
  if (APPS.some((app) => !existsSync(appEntry(app))) || !existsSync(DB_SETUP_ENTRY)) {
    options.say('building the apps (npm run build)');
    execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  }
  options.say('fresh bench databases and vhost');
  await recreateDatabases();
  // db:setup makes the vhost again, with the topology and the apps' broker users.
  rabbitmqctl(['delete_vhost', VHOST], true);
  execFileSync(process.execPath, [DB_SETUP_ENTRY], { env: { ...process.env, ...BENCH_ENV }, stdio: 'pipe' });

  const logDir = join(tmpdir(), 'storage-rental-bench');
  mkdirSync(logDir, { recursive: true });
  options.say(`starting the five apps (logs in ${logDir})`);
  const spawnedAt = Date.now();
  const apps = APPS.map((app) => {
    const flags = [
      ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfDir, app)}`] : []),
      ...(options.perfMaps ? ['--perf-basic-prof'] : []),
    ];
    const child = spawn(process.execPath, [...flags, appEntry(app)], {
      env: { ...process.env, ...BENCH_ENV, ...brokerAccountOf(app, BENCH_ENV) },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C reaches only the bench, which then stops each app once, with SIGTERM.
      detached: true,
    });
    return new AppProcess(app, child, createWriteStream(join(logDir, `${app}.log`)), [BREAKER_OPENED]);
  });
  const stop = async () => {
    await Promise.all(apps.map((a) => a.stop()));
  };
  options.onSpawned(stop);
  // The apps run in their own process group, so they would outlive a bench that dies of an error.
  process.once('exit', () => apps.forEach((a) => a.signal('SIGTERM')));
  const system: System = {
    gateway: url('gateway'),
    rental: url('rental'),
    view: url('view'),
    viewDatabaseUrl: BENCH_DATABASES.view,
    owned: true,
    databaseApps: Object.fromEntries(APPS.filter((app) => app !== 'gateway').map((app) => [app, url(app)])),
    spawnedAt,
    amqpUrl: BENCH_ENV.AMQP_URL,
    countLogLines: (app, text) => apps.find((a) => a.app === app)?.count(text),
    pids: () => Object.fromEntries(apps.map((a) => [a.app, a.pid])),
    cpuMs: () => Object.fromEntries(apps.map((a) => [a.app, a.cpuMs()])),
    queueDepths: () => {
      const listing = execFileSync('rabbitmqctl', ['list_queues', '-q', '-p', VHOST, 'name', 'messages'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString();
      const rows = listing
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter((cells) => cells.length === 2 && /^\d+$/.test(cells[1]));
      return Object.fromEntries(rows.map(([name, messages]) => [name, Number(messages)]).sort());
    },
    stop,
  };
  const deadline = Date.now() + 60_000;
  for (const app of APPS) {
    while (!(await answers(`${url(app)}/health/ready`))) {
      const appProcess = apps.find((a) => a.app === app);
      if (!appProcess?.running || Date.now() > deadline) {
        await system.stop();
        throw new Error(`${app} did not become ready; see ${join(logDir, `${app}.log`)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return system;
}

async function answers(target: string): Promise<boolean> {
  try {
    return (await fetch(target, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

/** Whether anything (an app or not) accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function recreateDatabases(): Promise<void> {
  const postgres = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await postgres.connect();
  try {
    for (const database of [BENCH_DATABASES.rental, BENCH_DATABASES.manage, BENCH_DATABASES.view]) {
      await postgres.query(`DROP DATABASE IF EXISTS "${new URL(database).pathname.slice(1)}" WITH (FORCE)`);
    }
  } finally {
    await postgres.end();
  }
  const mariadb = await createConnection('mysql://root@127.0.0.1:3306/');
  try {
    await mariadb.query(`DROP DATABASE IF EXISTS \`${new URL(BENCH_DATABASES.assign).pathname.slice(1)}\``);
  } finally {
    await mariadb.end();
  }
}

function rabbitmqctl(args: string[], mayFail = false): void {
  try {
    execFileSync('rabbitmqctl', args, { stdio: 'pipe' });
  } catch (error) {
    if (!mayFail) throw error;
  }
}
