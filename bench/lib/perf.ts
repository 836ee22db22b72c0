import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';

/** Samples per second and CPU: enough for a 20 s window, few enough to leave the apps' CPU nearly alone. */
const FREQUENCY = '499';

/**
 * `perf record` of the whole machine, with call stacks, from now until stop(); the apps' pids go
 * beside the file for bench/perf-summary.ts. perf must be installed (Debian's linux-perf) and
 * allowed to sample the whole machine (root, or kernel.perf_event_paranoid ≤ 0).
 */
export async function recordPerf(file: string, pids: Record<string, number | undefined>): Promise<{ stop: () => Promise<void> }> {
  const perf = spawn('perf', ['record', '-F', FREQUENCY, '-a', '-g', '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  perf.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // perf prints nothing until it stops; a second is enough for it to refuse (no permission, no perf).
  const notStarted = await Promise.race([
    once(perf, 'error').then(([error]) => (error as Error).message),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000)),
  ]);
  if (notStarted) throw new Error(`perf record could not start: ${notStarted}`);
  if (perf.exitCode !== null) throw new Error(`perf record stopped at once: ${stderr.trim()}`);
  return {
    async stop() {
      const exited = once(perf, 'exit');
      perf.kill('SIGINT');
      await exited;
      writeFileSync(`${file}.pids.json`, JSON.stringify(pids, null, 2));
    },
  };
}
