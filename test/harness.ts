import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { managementApi, setUpBroker } from '../scripts/broker-setup';
import { appEntry } from '../scripts/build-output';
import { brokerAccountOf } from '../libs/messaging/src/broker-accounts';
import { DbSetupConfig } from '../scripts/db-setup.config';
import { APPS, AppName, E2E_ENV, E2E_VHOST, PORTS } from './e2e-env';

/** One app as a real process: its built entry point (`appEntry`) with the e2e environment. */
export class AppProcess {
  readonly output: string[] = [];
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(
    readonly app: AppName,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): this {
    const child = spawn(process.execPath, [appEntry(this.app)], {
      env: { ...process.env, ...E2E_ENV, ...brokerAccountOf(this.app, E2E_ENV), ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A chunk may end in the middle of a line: keep the rest until its end arrives.
    const collect = () => {
      let partial = '';
      return (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        this.output.push(...lines.filter(Boolean));
      };
    };
    child.stdout?.on('data', collect());
    child.stderr?.on('data', collect());
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.child = child;
    return this;
  }

  async waitReady(timeoutMs = 30_000): Promise<this> {
    await eventually(
      async () => (await fetch(`${this.url}/health/ready`).catch(() => undefined))?.status,
      (status) => status === 200,
      { timeoutMs, message: `${this.app} did not become ready; its output:\n${this.output.slice(-20).join('\n')}` },
    );
    return this;
  }

  /** Sends the signal and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return this.child?.exitCode ?? null;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    const code = await this.exited!;
    clearTimeout(timer);
    return code;
  }

  /** What a crash looks like: no hooks, no flush, no goodbye. */
  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }

  waitForExit(): Promise<number | null> {
    return this.exited ?? Promise.resolve(null);
  }
}

/** The five apps, started together; tests reach them through the gateway like a client would. */
export class TestSystem {
  private constructor(readonly apps: Map<AppName, AppProcess>) {}

  static async start(options: { apps?: AppName[]; env?: Record<string, string> } = {}): Promise<TestSystem> {
    const names = options.apps ?? APPS;
    const apps = new Map(names.map((name) => [name, new AppProcess(name, PORTS[name], options.env ?? {}).start()]));
    const system = new TestSystem(apps);
    try {
      await Promise.all([...apps.values()].map((app) => app.waitReady()));
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  get gateway(): string {
    return `http://127.0.0.1:${PORTS.gateway}`;
  }

  app(name: AppName): AppProcess {
    const app = this.apps.get(name);
    if (!app) throw new Error(`${name} is not part of this system`);
    return app;
  }

  /** Replaces an app's process with a fresh one (after a crash or a stop). */
  async restart(name: AppName, env: Record<string, string> = {}): Promise<AppProcess> {
    await this.app(name).stop();
    const app = new AppProcess(name, PORTS[name], env).start();
    this.apps.set(name, app);
    return app.waitReady();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.apps.values()].map((app) => app.stop()));
  }
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function request<T = any>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: the text is the body
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Polls until `until` holds, or fails with the last value seen. */
export async function eventually<T>(
  probe: () => Promise<T>,
  until: (value: T) => boolean,
  {
    timeoutMs = 20_000,
    intervalMs = 100,
    message = 'condition not met',
  }: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (until(last)) return last;
    await sleep(intervalMs);
  }
  throw new Error(`${message} within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A calendar date `days` from today (UTC), as the API takes it. */
export function dayFromToday(days: number): string {
  return new Date(Date.now() + days * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

/** A location no other test uses, so that each test owns its inventory. */
/** A small seeded generator, so that a failing random mix can be run again as it was (the tests' *_SEED variables). */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

export function newLocation(): string {
  return `loc-${randomUUID().slice(0, 8)}`;
}

export function newCustomer(): string {
  return `customer-${randomUUID().slice(0, 8)}`;
}

/** Runs `task` for 0..count-1 with at most `concurrency` at a time; results in index order. */
export async function inPool<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * What db:setup does for the broker, with the e2e environment and these settings: a suite whose
 * apps run with other retry settings needs their retry queues, which only the setup may declare.
 */
export function setUpBrokerFor(env: Record<string, string> = {}): Promise<string> {
  return setUpBroker({ ...process.env, ...E2E_ENV, ...env });
}

/**
 * Empties every queue of the e2e vhost, through the management API (db:setup's administrator), for
 * a suite that asserts on every failure an app logs: messages another suite left behind (outcomes
 * for rentals this manage never had, still being retried) would otherwise fail batches in it.
 */
export async function emptyQueues(): Promise<void> {
  const api = managementApi(process.env.RABBITMQ_ADMIN_URL ?? new DbSetupConfig().RABBITMQ_ADMIN_URL);
  const vhost = encodeURIComponent(E2E_VHOST);
  const queues = (await api('GET', `queues/${vhost}?columns=name`)) as { name: string }[];
  for (const { name } of queues) await api('DELETE', `queues/${vhost}/${encodeURIComponent(name)}/contents`);
}
