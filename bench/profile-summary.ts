/**
 * Where a process spent its CPU: reads .cpuprofile files (node --cpu-prof) and prints the top
 * self time by package or module and by function.
 * Usage: tsx bench/profile-summary.ts <file or directory>... [--top 15] [--from s] [--to s]
 * A directory is searched for .cpuprofile files; bench/run.ts --cpu-prof <dir> writes <dir>/<app>/.
 * --from/--to keep only the samples in that window (seconds from the profile's start), e.g. to
 * leave out the start-up, whose module loading would otherwise top every list.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Samples that are not JavaScript work: kept apart so that shares are of the time spent working. */
const NOT_WORK = new Set(['(idle)', '(program)', '(garbage collector)']);

/** What a frame belongs to: a package, one of our bundles, a Node.js module, or V8 itself. */
function owner(url: string, functionName: string): string {
  if (!url) return NOT_WORK.has(functionName) ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const bundle = /dist\/apps\/([^/]+)\//.exec(url);
  if (bundle) return `our code (${bundle[1]} bundle)`;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').replace(/\/.*$/, '');
  return url;
}

function summarise(file: string, top: number, window: { from: number; to: number }): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= window.from * 1e6 && at <= window.to * 1e6) selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });

  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    total += micros;
    if (functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const who = owner(url, functionName);
    byOwner.set(who, (byOwner.get(who) ?? 0) + micros);
    const where = url ? `${who}${url.includes('/dist/') ? '' : ` ${url.split('/').pop()}`}:${lineNumber + 1}` : who;
    const fn = `${functionName || '(anonymous)'}  ${where}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  const busy = total - idle;
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(
        ([name, micros]) => `  ${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`,
      )
      .join('\n');
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)}%); shares are of the busy time`,
    ' by package or module (self time):',
    rows(byOwner),
    ' by function (self time):',
    rows(byFunction),
  ].join('\n');
}

function profilesIn(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .flatMap((name) => profilesIn(join(path, name)))
    .filter((file) => file.endsWith('.cpuprofile'));
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '15' }, from: { type: 'string', default: '0' }, to: { type: 'string', default: 'Infinity' } },
});
if (positionals.length === 0) {
  process.stderr.write('Usage: tsx bench/profile-summary.ts <file or directory>... [--top 15] [--from s] [--to s]\n');
  process.exit(2);
}
for (const file of positionals.flatMap(profilesIn).sort())
  process.stdout.write(
    `\n${summarise(relative(process.cwd(), file) || file, Number(values.top), { from: Number(values.from), to: Number(values.to) })}\n`,
  );
