import type { BreakerWatch } from './breaker';
import type { LoadResult } from './load';
import type { SagaLagResult } from './saga-lag';
import type { WorkPerApplication } from './server-work';
import type { AssignScalePoint } from './scale-assign';
import type { ViewScalePoint } from './scale-view';
import { Percentiles, round } from './stats';

export interface ApplicationsResult extends LoadResult {
  sagaLag: SagaLagResult;
  /** view's own saga_lag_seconds histogram over the phase (RentalRequested's time → outcome applied). */
  viewSagaLagHistogram: { count: number; shareAtOrUnder: Record<string, number> } | null;
  breaker: BreakerWatch;
  /** Messages waiting per queue the moment the load stopped (only when the bench owns the system). */
  queuesAtEnd?: Record<string, number>;
  /** From the end of the load until no message waited in any events queue; null: not within the wait. */
  backlogDrainedMs?: number | null;
  /** CPU ms each app spent per accepted application during the phase (only when the bench owns the system). */
  cpuMsPerAccepted?: Record<string, number>;
  /** CPU ms of PostgreSQL, MariaDB, RabbitMQ (all their processes) and the bench itself, per accepted application. */
  serversCpuMsPerAccepted?: Record<string, number>;
  /**
   * CPU ms of the whole machine per accepted application, by state (/proc/stat), over the same
   * window: what the processes above add up to, plus what no process was charged with.
   */
  machineCpuMsPerAccepted?: Record<string, number>;
  /** Durable transactions and round trips per accepted application, from the servers' counters. */
  work?: WorkPerApplication;
}

/** The machine's busy CPU per application by state, and how much of it no process listed was charged with. */
function machineShare(r: ApplicationsResult): string {
  if (!r.machineCpuMsPerAccepted) return '—';
  // Steal is time the hypervisor gave to other machines: listed, but not this machine's work.
  const total = Object.entries(r.machineCpuMsPerAccepted).reduce((sum, [state, ms]) => (state === 'steal' ? sum : sum + ms), 0);
  const charged = [r.cpuMsPerAccepted, r.serversCpuMsPerAccepted].reduce(
    (sum, group) => sum + Object.values(group ?? {}).reduce((a, b) => a + b, 0),
    0,
  );
  const states = Object.entries(r.machineCpuMsPerAccepted).filter(([, ms]) => ms > 0);
  return `${round(total, 1)} (${states.map(([state, ms]) => `${state} ${ms}`).join(', ')}); not charged: ${round(total - charged, 1)}`;
}

export interface OverloadResult extends ApplicationsResult {
  availability: {
    /** Every request sent: answered, timed out or failed to connect. */
    attempts: number;
    /** 2xx and deliberate 503s (with Retry-After): the system answering as designed. */
    asDesigned: number;
    /** Anything but 5xx, timeouts and connection errors. */
    non5xx: number;
    twoXx: number;
  };
}

export interface Results {
  date: string;
  note: string;
  command: string;
  options: Record<string, unknown>;
  machine: Record<string, unknown>;
  load: (LoadResult | ApplicationsResult)[];
  ratios: { connections: number; acceptedPerBaselineAnswer: number; p50Ratio: number | null; p99Ratio: number | null }[];
  overload?: OverloadResult;
  scale?: { assign: AssignScalePoint[]; view: ViewScalePoint[] };
  targets: { target: string; goal: string; measured: string; met: boolean | null }[];
}

export const isApplications = (r: LoadResult): r is ApplicationsResult => 'sagaLag' in r;

export function availability(result: ApplicationsResult): OverloadResult['availability'] {
  const count = (test: (status: number) => boolean) =>
    Object.entries(result.byStatus).reduce((sum, [s, n]) => sum + (test(Number(s)) ? n : 0), 0);
  const attempts = result.answers + result.errors + result.timeouts;
  const share = (n: number) => (attempts === 0 ? 0 : round(n / attempts, 4));
  const twoXx = count((s) => s >= 200 && s < 300);
  return { attempts, asDesigned: share(twoXx + result.deliberate503), non5xx: share(count((s) => s < 500)), twoXx: share(twoXx) };
}

export function ratios(load: LoadResult[]): Results['ratios'] {
  return load.filter(isApplications).flatMap((app) => {
    const base = load.find((r) => r.scenario === 'baseline' && r.connections === app.connections);
    if (!base) return [];
    const ratio = (p: keyof Percentiles) => (app.latencyMs && base.latencyMs ? round(app.latencyMs[p] / base.latencyMs[p], 1) : null);
    return [
      {
        connections: app.connections,
        acceptedPerBaselineAnswer: round((app.acceptedPerSecond ?? 0) / base.answersPerSecond, 4),
        p50Ratio: ratio('p50'),
        p99Ratio: ratio('p99'),
      },
    ];
  });
}

/**
 * The capacity issue's targets against what this run measured (met: null when this run did not
 * measure it, or when the machine was not quiet at the start, whose figures are not judged).
 */
export function targets(results: Omit<Results, 'targets'>): Results['targets'] {
  const at = (c: number) => results.load.filter(isApplications).find((r) => r.connections === c);
  const c50 = at(50);
  const c200 = at(200) ?? (results.overload?.connections === 200 ? results.overload : undefined);
  const list: Results['targets'] = [];
  const add = (target: string, goal: string, measured: string | null | undefined, met: boolean | null | undefined) =>
    list.push({ target, goal, measured: measured ?? '—', met: met ?? null });

  add(
    'accepted applications/s at 50 connections',
    '≥ 300 (then 1,000)',
    c50 && String(c50.acceptedPerSecond),
    c50 && (c50.acceptedPerSecond ?? 0) >= 300,
  );
  add('p99 at 50 connections', '≤ 250 ms', c50?.latencyMs && `${c50.latencyMs.p99} ms`, c50?.latencyMs && c50.latencyMs.p99 <= 250);
  const lag = c50?.sagaLag.lagMs;
  add(
    'saga lag p99 at 50 connections',
    '≤ 500 ms, every sample settled',
    lag && `${lag.p99} ms (${c50!.sagaLag.unsettled} of ${c50!.sagaLag.sampled} unsettled)`,
    lag && lag.p99 <= 500 && c50!.sagaLag.unsettled === 0,
  );
  const other50 = c50 && Object.values(c50.non2xx).reduce((sum, n) => sum + n, 0) + c50.errors + c50.timeouts;
  add(
    'answers other than 201 at 50 connections (the circuit stays closed)',
    '0',
    other50 === undefined ? undefined : String(other50),
    c50 && other50 === 0,
  );
  const work = c50?.work;
  add('durable transactions per application at 50 connections', '≤ 4', work && String(work.transactions), work && work.transactions <= 4);
  add('database round trips per application at 50 connections', '≤ 20', work && String(work.roundTrips), work && work.roundTrips <= 20);
  const unexpected200 =
    c200 &&
    Object.entries(c200.non2xx).reduce((sum, [status, n]) => sum + (status === '429' ? 0 : n), 0) -
      c200.deliberate503 +
      c200.errors +
      c200.timeouts;
  add(
    'answers at 200 connections other than 2xx, deliberate 503s and 429s',
    '0',
    unexpected200 === undefined ? undefined : String(unexpected200),
    c200 && unexpected200 === 0,
  );
  add('p99 at 200 connections', '≤ 1,000 ms', c200?.latencyMs && `${c200.latencyMs.p99} ms`, c200?.latencyMs && c200.latencyMs.p99 <= 1000);
  const drained = c200?.backlogDrainedMs;
  add(
    "the saga's backlog drains after 200 connections stop",
    '≤ 10 s',
    drained === undefined ? undefined : drained === null ? 'not within the wait' : `${round(drained / 1000, 1)} s`,
    drained === undefined ? undefined : drained !== null && drained <= 10_000,
  );
  const curve = results.scale?.assign ?? [];
  const first = curve[0];
  const last = curve[curve.length - 1];
  for (const period of ['free', 'busy'] as const) {
    const a = first?.[period]?.p99;
    const b = last?.[period]?.p99;
    const measured = a && b && curve.length > 1;
    add(
      `assignment p99, largest vs smallest inventory (${period} period)`,
      '≤ 2×',
      measured ? `${b} ms at ${last.units} vs ${a} ms at ${first.units} units = ${round(b / a, 1)}×` : undefined,
      measured ? b <= 2 * a : undefined,
    );
  }
  const availabilityP99 = last?.availabilityWeek?.p99;
  add(
    `availability p99, one size over a week, at the largest inventory`,
    '≤ 10 ms',
    availabilityP99 === undefined ? undefined : `${availabilityP99} ms at ${last.units} units`,
    availabilityP99 === undefined ? undefined : availabilityP99 <= 10,
  );
  if (results.machine.quiet === false) {
    return list.map((t) => ({ ...t, measured: `${t.measured} (busy machine: not judged)`, met: null }));
  }
  return list;
}

const ms = (p: Percentiles | null | undefined) => (p ? `${p.p50} / ${p.p95} / ${p.p99}` : '—');
const counts = (byStatus: Record<string, number>) =>
  Object.entries(byStatus)
    .map(([s, n]) => `${s}: ${n}`)
    .join(', ') || 'none';

/** The figures as Markdown tables, for the terminal and for docs/benchmarks.md. */
export function summary(results: Results): string {
  const lines: string[] = [];
  if (results.machine.quiet === false) {
    lines.push(
      `**Not a quiet machine:** ${Math.round(Number(results.machine.busyShareAtStart) * 100)}% of the CPU was busy before the bench started; these figures are not comparable and no target is judged.`,
      '',
    );
  }
  if (results.load.length > 0) {
    lines.push(
      '| scenario | connections | answers/s | accepted/s | latency p50 / p95 / p99 (ms) | non-2xx | errors, timeouts | saga lag p50 / p95 / p99 (ms) | saga samples settled | bench CPU |',
    );
    lines.push('|---|---:|---:|---:|---|---|---|---|---|---:|');
    for (const r of results.load) {
      const saga = isApplications(r) ? [ms(r.sagaLag.lagMs), `${r.sagaLag.settled} of ${r.sagaLag.sampled}`] : ['—', '—'];
      lines.push(
        `| ${r.scenario} | ${r.connections} | ${r.answersPerSecond} | ${r.acceptedPerSecond ?? '—'} | ${ms(r.latencyMs)} | ${counts(r.non2xx)} | ${r.errors}, ${r.timeouts} | ${saga.join(' | ')} | ${r.loadGeneratorCpuPercent}% |`,
      );
    }
    const backlog = results.load.filter(isApplications).filter((r) => r.queuesAtEnd);
    if (backlog.length > 0) {
      lines.push('', "Messages waiting when the load stopped (the saga's backlog):");
      for (const r of backlog) {
        const drained =
          r.backlogDrainedMs === undefined
            ? ''
            : r.backlogDrainedMs === null
              ? '; not drained within the wait'
              : `; drained ${round(r.backlogDrainedMs / 1000, 1)} s later`;
        lines.push(`- ${r.scenario} at ${r.connections}: ${nonEmpty(r.queuesAtEnd!)}${drained}`);
      }
    }
    const measured = results.load.filter(isApplications).filter((r) => r.work);
    if (measured.length > 0) {
      lines.push('', "Work per accepted application (the servers' counters; CPU in ms):", '');
      lines.push(
        "| scenario | connections | durable transactions | by database | round trips (apps' statements) | CPU: apps | CPU: servers and bench | CPU: the whole machine, not charged to these |",
      );
      lines.push('|---|---:|---:|---|---:|---|---|---|');
      for (const r of measured) {
        const w = r.work!;
        lines.push(
          `| ${r.scenario} | ${r.connections} | ${w.transactions} | ${entries(w.transactionsByDatabase)} | ${w.roundTrips}: ${entries(w.roundTripsByApp)} (MariaDB's Questions: ${w.mariadbQuestions}) | ${entries(r.cpuMsPerAccepted ?? {})} | ${entries(r.serversCpuMsPerAccepted ?? {})} | ${machineShare(r)} |`,
        );
      }
    }
    lines.push('', '| connections | accepted/s ÷ baseline answers/s | p50 ÷ baseline p50 | p99 ÷ baseline p99 |', '|---:|---:|---:|---:|');
    for (const r of results.ratios)
      lines.push(`| ${r.connections} | ${r.acceptedPerBaselineAnswer} | ${r.p50Ratio ?? '—'}× | ${r.p99Ratio ?? '—'}× |`);
  }
  const o = results.overload;
  if (o) {
    lines.push('', `Overload, ${o.connections} connections for ${o.durationSeconds} s:`, '');
    lines.push(
      '| attempts | answered as designed (2xx + deliberate 503) | non-5xx | 2xx | accepted/s | p50 / p95 / p99 (ms) | non-2xx | errors, timeouts | breaker openings (logged / seen) | time open | saga lag p99 (ms) |',
    );
    lines.push('|---:|---:|---:|---:|---:|---|---|---|---|---:|---:|');
    const b = o.breaker;
    lines.push(
      `| ${o.availability.attempts} | ${pct(o.availability.asDesigned)} | ${pct(o.availability.non5xx)} | ${pct(o.availability.twoXx)} | ${o.acceptedPerSecond} | ${ms(o.latencyMs)} | ${counts(o.non2xx)} | ${o.errors}, ${o.timeouts} | ${b.openingsLogged ?? '—'} / ${b.openingsSeen ?? '—'} | ${b.shareOfTimeOpen === null ? '—' : pct(b.shareOfTimeOpen)} | ${o.sagaLag.lagMs?.p99 ?? '—'} |`,
    );
    if (o.queuesAtEnd) lines.push('', `Messages waiting when the overload stopped: ${nonEmpty(o.queuesAtEnd)}`);
  }
  const scale = results.scale;
  if (scale?.assign.length) {
    lines.push('', 'Assignment (the consumer transaction, committed), p50 / p95 / p99 in ms:', '');
    lines.push(
      '| units in location | units / assignments in table | free period | busy period (half booked) | full period (all booked: rejected) | busy: candidate units read, overlap-check index pages |',
      '|---:|---|---|---|---|---|',
    );
    for (const p of scale.assign) {
      const read = p.analyzeBusy.find((t) => t.table === 'candidate')?.rowsPerLoop ?? '—';
      const pages = p.analyzeBusy.find((t) => t.table === 'booked')?.pagesAccessed ?? '—';
      lines.push(
        `| ${p.units} | ${p.unitsInTable} / ${p.assignmentsInTable} | ${ms(p.free)} | ${ms(p.busy)} | ${ms(p.full)} | ${read}, ${pages} |`,
      );
    }
    lines.push('', "Availability (GET /availability's read, in the busy period), p50 / p95 / p99 in ms:", '');
    lines.push('| units in location | one size, one week | one size, 90 days | every size, one week |', '|---:|---|---|---|');
    for (const p of scale.assign) {
      lines.push(`| ${p.units} | ${ms(p.availabilityWeek)} | ${ms(p.availabilityQuarter)} | ${ms(p.availabilityWeekAllSizes)} |`);
    }
  }
  if (scale?.view.length) {
    lines.push('', 'View list query (first page of 20), p50 / p95 / p99 in ms:', '');
    lines.push(
      "| rentals in the read model | customer with 10 rentals | heavy customer (list + COUNT) | heavy customer's rentals |",
      '|---:|---|---|---:|',
    );
    for (const p of scale.view) lines.push(`| ${p.rentals} | ${ms(p.typical)} | ${ms(p.heavy)} | ${p.heavyCustomerRentals} |`);
  }
  lines.push('', '| target | goal | measured | met |', '|---|---|---|---|');
  for (const t of results.targets)
    lines.push(`| ${t.target} | ${t.goal} | ${t.measured} | ${t.met === null ? 'not measured' : t.met ? 'yes' : 'no'} |`);
  return lines.join('\n');
}

const pct = (share: number) => `${round(share * 100, 2)}%`;

const nonEmpty = (queues: Record<string, number>) =>
  Object.entries(queues)
    .filter(([, n]) => n > 0)
    .map(([queue, n]) => `${queue} ${n}`)
    .join(', ') || 'none';

function entries(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
}
