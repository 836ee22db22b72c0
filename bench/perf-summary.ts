/**
 * Where each app's CPU went, from a `perf record -a -g` of the whole machine (bench/run.ts --perf):
 * every sample is charged to the nearest JavaScript frame on its stack that belongs to a package,
 * a Node.js module or our code, so the C++ and kernel work a call causes (a socket write, a
 * JSON.stringify) counts for its caller. Samples are taken only while a process runs on a CPU,
 * unlike --cpu-prof's, which also fall while the process waits for one on a saturated machine
 * (there a socket write's self time includes the wait).
 * Counted: each app's main thread (perf names samples by thread id); V8's helper threads, which
 * mark and sweep concurrently, are left out.
 * Usage: tsx bench/perf-summary.ts <perf.data> [--top 20]; reads <perf.data>.pids.json for the apps' pids.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** One stack frame as `perf script` prints it: symbol and where it lives. */
interface Frame {
  symbol: string;
  kernel: boolean;
  javascript: boolean;
}

/** V8's collectors: a sample under one of them is the garbage collector's, whoever allocated. */
const GARBAGE_COLLECTOR = /v8::internal::(Heap|Scavenger|MarkCompact|MinorMarkSweep|ConcurrentMarking|Sweeper)/;
const NO_OWNER = '(no JavaScript frame: libuv, V8 runtime, kernel)';

/** What a JavaScript frame belongs to, from the file in its name (--perf-basic-prof writes them). */
export function ownerOf(symbol: string): string | undefined {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/ :]+)/.exec(symbol);
  if (pkg) return pkg[1];
  const lib = /\/dist\/libs\/([a-z-]+)\/src\/([a-z.-]+?)\.js/.exec(symbol);
  if (lib) return `our code: libs/${lib[1]}/${lib[2]}`;
  const app = /\/dist\/apps\/([a-z-]+)\//.exec(symbol);
  if (app) return `our code: ${app[1]}`;
  const node = /node:(?:internal\/)?([a-z_]+)/.exec(symbol);
  return node ? `node:${node[1]}` : undefined;
}

/** The owner a sample is charged to: the collector, else the innermost JavaScript frame with an owner. */
export function chargeOf(frames: Frame[]): string {
  if (frames.slice(0, 12).some((f) => GARBAGE_COLLECTOR.test(f.symbol))) return '(garbage collector)';
  for (const frame of frames) {
    const owner = frame.javascript ? ownerOf(frame.symbol) : undefined;
    if (owner) return owner;
  }
  return NO_OWNER;
}

/** `perf script`'s text: a header line per sample, then one indented line per frame, then a blank line. */
export function* samplesOf(text: string): Generator<{ pid: number; frames: Frame[] }> {
  let pid: number | undefined;
  let frames: Frame[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (pid !== undefined) yield { pid, frames };
      pid = undefined;
      frames = [];
    } else if (!/^\s/.test(line)) {
      pid = Number(line.trim().split(/\s+/)[1]);
    } else {
      const symbol = line.trim().replace(/^[0-9a-f]+\s+/, '');
      frames.push({ symbol, kernel: symbol.includes('[kernel.kallsyms]'), javascript: /\(\/tmp\/perf-\d+\.map\)/.test(symbol) });
    }
  }
  if (pid !== undefined) yield { pid, frames };
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' } } });
  const file = positionals[0];
  if (!file) throw new Error('Usage: tsx bench/perf-summary.ts <perf.data> [--top 20]');
  const apps = JSON.parse(readFileSync(`${file}.pids.json`, 'utf8')) as Record<string, number>;
  const appOf = new Map(Object.entries(apps).map(([app, pid]) => [pid, app]));
  const text = execFileSync('perf', ['script', '-i', file], { maxBuffer: 2 ** 31 - 1, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const byApp = new Map<string, { samples: number; kernel: number; owners: Map<string, number> }>();
  for (const { pid, frames } of samplesOf(text)) {
    const app = appOf.get(pid);
    if (!app) continue;
    const tally = byApp.get(app) ?? { samples: 0, kernel: 0, owners: new Map<string, number>() };
    tally.samples += 1;
    if (frames[0]?.kernel) tally.kernel += 1;
    const owner = chargeOf(frames);
    tally.owners.set(owner, (tally.owners.get(owner) ?? 0) + 1);
    byApp.set(app, tally);
  }
  const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1).padStart(5)}%`;
  for (const [app, { samples, kernel, owners }] of [...byApp].sort((a, b) => b[1].samples - a[1].samples)) {
    console.log(`\n${app}: ${samples} samples on a CPU, ${pct(kernel, samples).trim()} of them in the kernel; charged to:`);
    for (const [owner, n] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
      console.log(`  ${pct(n, samples)}  ${owner}`);
  }
}

if (require.main === module) main();
