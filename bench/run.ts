/**
 * The benchmark of issue 6: baseline and applications through the gateway at each load level,
 * the overload scenario, and the scale curves of assignment and of the view's list query.
 * Usage: tsx bench/run.ts --help
 */
import '../scripts/check-node.cjs';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Applications } from './lib/applications';
import { backlogDrainedAfterMs } from './lib/backlog';
import { watchBreaker } from './lib/breaker';
import { latencyChart } from './lib/chart';
import { LoadResult, runLoad } from './lib/load';
import { describeMachine, machineCpuMs } from './lib/machine';
import { BenchOptions, readOptions } from './lib/options';
import { recordPerf } from './lib/perf';
import { Progress } from './lib/progress';
import { histogramBuckets, histogramDelta, scrape } from './lib/prometheus';
import { ApplicationsResult, OverloadResult, Results, availability, isApplications, ratios, summary, targets } from './lib/report';
import { SagaLagSampler } from './lib/saga-lag';
import { round } from './lib/stats';
import { assignScaleCurve } from './lib/scale-assign';
import { viewScaleCurve } from './lib/scale-view';
import { STATS_FLUSH_WAIT_MS, WorkPerApplication, readWorkCounters, serverCpuMs, workPerApplication } from './lib/server-work';
import { BENCH_DATABASES, BREAKER_OPENED, System, attach, startOwnSystem } from './lib/system';

const progress = new Progress();
/** Stops whatever the bench has started so far; replaced once the apps are spawned. */
let stopSystem: () => Promise<void> = async () => undefined;
/** rental's BREAKER_HALF_OPEN_AFTER_MS, which the bench leaves at its default. */
const BREAKER_HALF_OPEN_AFTER_MS = 5000;
/** How long the bench waits for the saga's backlog to drain after each phase. */
const DRAIN_WAIT_S = 60;

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  stopOnSignals();
  const machine = await describeMachine();
  if (!machine.quiet) {
    progress.say(
      `the machine is not quiet: ${Math.round(machine.busyShareAtStart * 100)}% of its CPU was busy before the bench started anything; the figures will be marked and the targets not judged`,
    );
  }
  const system = options.url
    ? attach({ ...options, url: options.url })
    : await startOwnSystem({
        cpuProfDir: options.cpuProfDir,
        perfMaps: options.perfFile !== undefined,
        say: (line) => progress.say(line),
        onSpawned: (stop) => (stopSystem = stop),
      });

  const load: LoadResult[] = [];
  let overload: OverloadResult | undefined;
  let scale: Results['scale'];
  try {
    if (options.phases.has('load') || options.phases.has('overload')) {
      progress.say(`stocking ${options.unitsPerSize} units per size for the run`);
      const applications = await Applications.prepare(system.gateway, Date.now().toString(36), options.unitsPerSize);
      const phase = phaseRunner(system, applications, options);
      if (options.warmupSeconds > 0) await phase.applications('warm-up', Math.min(...options.connections), options.warmupSeconds);
      if (options.phases.has('load')) {
        for (const connections of options.connections) {
          load.push(await phase.baseline(connections));
          load.push(await phase.applications('applications', connections, options.durationSeconds));
        }
      }
      if (options.phases.has('overload')) {
        const result = await phase.applications('overload', options.overloadConnections, options.overloadSeconds);
        overload = { ...result, availability: availability(result) };
      }
    }
  } finally {
    if (system.owned) progress.say('stopping the system');
    await system.stop();
  }
  // After the apps stop: the assign probes write outbox rows that a running relay would publish.
  if (options.phases.has('scale') && system.owned) {
    progress.say(
      `scale curves: assignment at ${options.assignUnits.join(', ')} units; view list at ${options.viewRentals.join(', ')} rentals`,
    );
    scale = {
      assign: await assignScaleCurve(BENCH_DATABASES.assign, options.assignUnits, options.scaleProbes, progress),
      view: await viewScaleCurve(BENCH_DATABASES.view, options.viewRentals, options.scaleProbes, progress),
    };
  }
  progress.clear();

  const partial: Omit<Results, 'targets'> = {
    date: new Date().toISOString(),
    note: 'Measured on a 2-core machine running the load generator, all five apps, PostgreSQL, MariaDB and RabbitMQ.',
    command: `tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    options: { ...options, phases: [...options.phases] },
    machine,
    load,
    ratios: ratios(load),
    overload,
    scale,
  };
  const results: Results = { ...partial, targets: targets(partial) };
  const report = summary(results);
  process.stdout.write(`${report}\n`);
  await writeResults(results, options);

  const problems = brokenParts(results);
  for (const problem of problems) process.stderr.write(`BROKEN: ${problem}\n`);
  return problems.length === 0 ? 0 : 1;
}

/** The bench system's databases, whose servers' counters say what each application cost. */
const WORK_DATABASES = {
  postgres: [BENCH_DATABASES.rental, BENCH_DATABASES.manage, BENCH_DATABASES.view],
  mariadb: BENCH_DATABASES.assign,
};

function phaseRunner(system: System, applications: Applications, options: BenchOptions) {
  let perfRecorded = false;
  return {
    baseline: (connections: number) =>
      runLoad({
        scenario: 'baseline',
        gateway: system.gateway,
        method: 'GET',
        path: '/health/live',
        connections,
        durationSeconds: options.durationSeconds,
        progress,
      }),

    async applications(scenario: string, connections: number, seconds: number): Promise<ApplicationsResult> {
      const sampler = await SagaLagSampler.open(system.viewDatabaseUrl);
      const viewBefore = await scrape(system.view);
      const breaker = watchBreaker(system.rental, () => system.countLogLines('rental', BREAKER_OPENED));
      const measureWork = system.databaseApps && !scenario.startsWith('warm-up');
      // One recording, of the first measured load: perf's file is large and each run replaces it.
      // Started before the counters are read, so that its own start-up is outside the figures.
      const perf = options.perfFile && measureWork && !perfRecorded ? await recordPerf(options.perfFile, system.pids() ?? {}) : undefined;
      perfRecorded ||= perf !== undefined;
      const workBefore = measureWork ? await readWorkCounters(WORK_DATABASES, system.databaseApps! as Record<string, string>) : undefined;
      const cpuBefore = system.cpuMs();
      const serversCpuBefore = serverCpuMs();
      const machineCpuBefore = machineCpuMs();
      const loadStartedAt = Date.now();
      const result = await runLoad({
        scenario,
        gateway: system.gateway,
        method: 'POST',
        path: '/rentals',
        connections,
        durationSeconds: seconds,
        next: () => applications.next(),
        onAnswer: (status, body) => {
          if (status === 201) sampler.offer((JSON.parse(body) as { id: string }).id);
        },
        progress,
        status: () => `saga samples pending ${sampler.pendingCount}`,
      });
      const breakerWatch = await breaker.stop();
      if (perf) {
        await perf.stop();
        progress.say(`perf: ${scenario} c${connections} is in ${options.perfFile}; npx tsx bench/perf-summary.ts ${options.perfFile}`);
      }
      if (options.cpuProfDir && system.spawnedAt) {
        const offset = (at: number) => Math.round((at - system.spawnedAt!) / 1000);
        progress.say(
          `profiles: ${scenario} c${connections} is bench/profile-summary.ts --from ${offset(loadStartedAt)} --to ${offset(Date.now())}`,
        );
      }
      // Where the saga's backlog sits when the load stops: the slowest consumer's queue.
      const loadStoppedAt = Date.now();
      const queuesAtEnd = system.queueDepths();
      let backlogDrainedMs: number | null | undefined;
      if (system.amqpUrl) {
        progress.update(`${scenario} c${connections}: waiting up to ${DRAIN_WAIT_S} s for the saga's backlog to drain`);
        backlogDrainedMs = await backlogDrainedAfterMs(
          system.amqpUrl,
          Object.keys(system.databaseApps ?? {}),
          loadStoppedAt,
          DRAIN_WAIT_S * 1000,
        );
        progress.say(
          `${scenario} c${connections}: backlog ${backlogDrainedMs === null ? `not drained within ${DRAIN_WAIT_S} s` : `drained ${round(backlogDrainedMs / 1000, 1)} s after the load stopped`}`,
        );
      }
      progress.update(
        `${scenario} c${connections}: waiting up to ${options.settleSeconds} s for ${sampler.pendingCount} sampled applications to settle`,
      );
      const sagaLag = await sampler.finish(options.settleSeconds * 1000);
      // After the sampled applications settled, so that it includes most of their sagas' work too.
      const cpuMsPerAccepted = cpuPerAccepted(cpuBefore, system.cpuMs(), result.accepted);
      const serversCpuMsPerAccepted = system.owned ? cpuPerAccepted(serversCpuBefore, serverCpuMs(), result.accepted) : undefined;
      const machineCpuMsPerAccepted = cpuPerAccepted(machineCpuBefore, machineCpuMs(), result.accepted);
      const viewAfter = await scrape(system.view);
      let work: WorkPerApplication | undefined;
      if (workBefore && result.accepted) {
        progress.update(`${scenario} c${connections}: reading the servers' counters once PostgreSQL has flushed its statistics`);
        await new Promise((resolve) => setTimeout(resolve, STATS_FLUSH_WAIT_MS));
        const workAfter = await readWorkCounters(WORK_DATABASES, system.databaseApps! as Record<string, string>);
        work = workPerApplication(workBefore, workAfter, result.accepted, {
          viewDatabase: new URL(BENCH_DATABASES.view).pathname.slice(1),
          viewQueries: sampler.queries,
        });
        progress.say(
          `${scenario} c${connections}: per accepted application ${work.transactions} durable transactions, ${work.roundTrips} round trips`,
        );
      }
      if (breakerWatch.stateAtEnd) {
        // Otherwise the next phase would begin with fast 503s this one caused.
        progress.update(`${scenario} c${connections}: the circuit to manage is open; waiting until it lets a trial call through`);
        await new Promise((resolve) => setTimeout(resolve, BREAKER_HALF_OPEN_AFTER_MS));
      }
      progress.say(
        `${scenario} c${connections}: ${result.acceptedPerSecond} accepted/s, p99 ${result.latencyMs?.p99 ?? '—'} ms, saga lag p99 ${sagaLag.lagMs?.p99 ?? '—'} ms`,
      );
      if (cpuMsPerAccepted)
        progress.say(
          `${scenario} c${connections}: CPU ms per accepted application: ${JSON.stringify({ ...cpuMsPerAccepted, ...serversCpuMsPerAccepted })}; the whole machine's: ${JSON.stringify(machineCpuMsPerAccepted)}`,
        );
      return {
        ...result,
        sagaLag,
        viewSagaLagHistogram:
          viewBefore && viewAfter
            ? histogramDelta(histogramBuckets(viewBefore, 'saga_lag_seconds'), histogramBuckets(viewAfter, 'saga_lag_seconds'))
            : null,
        breaker: breakerWatch,
        queuesAtEnd,
        backlogDrainedMs,
        cpuMsPerAccepted,
        serversCpuMsPerAccepted,
        machineCpuMsPerAccepted,
        work,
      };
    },
  };
}

/** Where each application's CPU goes: processes' CPU time over the phase, per accepted application. */
function cpuPerAccepted(
  before: Partial<Record<string, number>> | undefined,
  after: Partial<Record<string, number>> | undefined,
  accepted?: number,
) {
  if (!before || !after || !accepted) return undefined;
  const apps = Object.keys(after).filter((app) => before[app] !== undefined && after[app] !== undefined);
  return Object.fromEntries(apps.map((app) => [app, Math.round(((after[app]! - before[app]!) / accepted) * 10) / 10]));
}

/** What makes the run worthless whatever the speed: the smoke run's (and CI's) failure conditions. */
function brokenParts(results: Results): string[] {
  const problems: string[] = [];
  const phases = [...results.load, ...(results.overload ? [results.overload] : [])];
  for (const r of phases) {
    const label = `${r.scenario} at ${r.connections} connections`;
    if (r.scenario === 'baseline' && !Object.keys(r.byStatus).some((s) => s.startsWith('2')))
      problems.push(`${label}: no 2xx answer from the gateway`);
    if (r.scenario !== 'baseline' && !r.accepted) problems.push(`${label}: no application was accepted (${JSON.stringify(r.byStatus)})`);
    if (isApplications(r) && r.accepted && r.sagaLag.settled === 0)
      problems.push(`${label}: no sampled application reached CONFIRMED or REJECTED in the view`);
    // A 500 is a bug, not slowness (slowness shows as 503 or 504).
    if (r.byStatus['500']) problems.push(`${label}: ${r.byStatus['500']} answers were 500 Internal Server Error`);
  }
  for (const p of results.scale?.assign ?? [])
    if (!p.free || !p.busy || !p.full || !p.availabilityWeek) problems.push(`assignment scale curve at ${p.units} units: no timings`);
  for (const p of results.scale?.view ?? [])
    if (!p.typical || !p.heavy) problems.push(`view scale curve at ${p.rentals} rentals: no timings`);
  return problems;
}

async function writeResults(results: Results, options: BenchOptions): Promise<void> {
  const dir = options.out || mkdtempSync(join(tmpdir(), 'storage-rental-bench-'));
  mkdirSync(dir, { recursive: true });
  const day = results.date.slice(0, 10);
  const json = join(dir, `${day}.json`);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  const charted = [...results.load, ...(results.overload ? [results.overload] : [])];
  const svg = join(dir, `${day}-latency.svg`);
  writeFileSync(svg, await latencyChart(charted, `Latency against load through the gateway (${day})`));
  process.stderr.write(`results: ${json}\nchart:   ${svg}\n`);
}

function stopOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress.say(`${signal}: stopping the system`);
      void stopSystem().finally(() => process.exit(130));
    });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    progress.clear();
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
