/**
 * npm run start:all — builds, makes sure the local services run, creates and migrates the
 * databases, starts the five apps, waits until each is ready and prints their URLs.
 * Ctrl-C stops them all cleanly. Settings come from the environment, .env, or .env.example (which
 * carries the development JWT_SECRET, so `npm run token` tokens work at once).
 */
import './check-node.cjs';
import { execSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { brokerAccountOf } from '../libs/messaging/src/broker-accounts';
import { appEntry } from './build-output';

const APPS = ['gateway', 'rental', 'manage', 'assign', 'view'];

function step(title: string, command: string): void {
  process.stdout.write(`\n== ${title}\n`);
  execSync(command, { stdio: 'inherit' });
}

function settings(): Record<string, string | undefined> {
  const parse = (file: string): Record<string, string> =>
    existsSync(file)
      ? Object.fromEntries(
          readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => /^[A-Z_]+=/.test(l))
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        )
      : {};
  return { ...parse('.env.example'), ...parse('.env'), ...process.env };
}

async function isReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

step('[1/4] services', 'bash scripts/ensure-services.sh');
step('[2/4] build', 'npm run --silent build');
step('[3/4] databases', 'npm run --silent db:setup');

process.stdout.write('\n== [4/4] apps\n');
const env = settings();
const children = APPS.map((app) => {
  const child = spawn(process.execPath, [appEntry(app)], {
    env: { ...env, ...brokerAccountOf(app, env) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${app}]`.padEnd(10);
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((line: string) => console.log(`${prefix}${line}`)),
    );
  }
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${prefix}exited (${signal ?? code}); stopping the others`);
    if (!stopping) stop(1);
  });
  return { app, child, url: `http://127.0.0.1:${env[`${app.toUpperCase()}_PORT`]}` };
});

let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping all apps (each drains, then exits)...');
  await Promise.all(
    children.map(({ child }) =>
      child.exitCode !== null
        ? null
        : new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
    ),
  );
  console.log('All apps stopped.');
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitUntilReady(): Promise<void> {
  const deadline = Date.now() + 60_000;
  const pending = new Set(APPS);
  while (pending.size > 0 && !stopping) {
    for (const { app, url } of children) if (pending.has(app) && (await isReady(url))) pending.delete(app);
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      console.error(`Not ready after 60 s: ${[...pending].join(', ')}`);
      await stop(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.log('\nAll five apps are ready:');
  for (const { app, url } of children) console.log(`  ${app.padEnd(8)} ${url}`);
  console.log(
    `\nTry: curl -H "Authorization: Bearer $(npm run --silent token -- --sub alice)" ${children[0].url}/storage-units?location=berlin\nPress Ctrl-C to stop.`,
  );
}

void waitUntilReady();
