import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { appEntry } from '../scripts/build-output';
import { APPS, WORKERS_PER_RUN } from './e2e-env';

/** Before the e2e suites: the apps are built, and each worker's slot is a clean slate (prepare-e2e-slot.ts). */
export default function globalSetup(globalConfig: { maxWorkers: number }): void {
  const missing = APPS.filter((app) => !existsSync(appEntry(app)));
  if (missing.length > 0) throw new Error(`Build the apps first (npm run build); missing: ${missing.join(', ')}`);
  if (globalConfig.maxWorkers > WORKERS_PER_RUN) {
    throw new Error(
      `The e2e suites run on at most ${WORKERS_PER_RUN} workers (--maxWorkers ${WORKERS_PER_RUN}): each needs a slot of its own`,
    );
  }
  for (let worker = 1; worker <= globalConfig.maxWorkers; worker++) {
    execFileSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'prepare-e2e-slot.ts')], {
      env: { ...process.env, JEST_WORKER_ID: String(worker) },
      stdio: 'inherit',
    });
  }
}
