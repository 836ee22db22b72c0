import autocannon from 'autocannon';
import { Progress } from './progress';
import { Percentiles, percentiles, round } from './stats';

export interface LoadResult {
  scenario: string;
  endpoint: string;
  connections: number;
  durationSeconds: number;
  answers: number;
  answersPerSecond: number;
  /** 201s of POST /rentals (applications only). */
  accepted?: number;
  acceptedPerSecond?: number;
  byStatus: Record<string, number>;
  non2xx: Record<string, number>;
  /** 503s with Retry-After: rental refusing on purpose (breaker open, manage not answering). */
  deliberate503: number;
  /** Connection errors. */
  errors: number;
  /** Requests without an answer within autocannon's 10 s. */
  timeouts: number;
  /** Every answer, whatever its status: what a client waits. */
  latencyMs: Percentiles | null;
  latency2xxMs: Percentiles | null;
  /** CPU the bench process itself used (autocannon, saga sampling), in % of one core: on a small machine it competes with the system. */
  loadGeneratorCpuPercent: number;
}

export interface LoadSpec {
  scenario: string;
  gateway: string;
  method: 'GET' | 'POST';
  path: string;
  connections: number;
  durationSeconds: number;
  /** A fresh request per call (a new application each time); omit for a fixed request. */
  next?: () => { headers: Record<string, string>; body?: string };
  onAnswer?: (status: number, body: string) => void;
  progress: Progress;
  /** Extra text for the progress line (saga samples pending). */
  status?: () => string;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const latencies2xx: number[] = [];
  const byStatus: Record<string, number> = {};
  let deliberate503 = 0;
  let errors = 0;
  const startedAt = Date.now();
  const cpuAtStart = process.cpuUsage();

  const instance = autocannon({
    url: spec.gateway,
    connections: spec.connections,
    duration: spec.durationSeconds,
    requests: [
      {
        method: spec.method,
        path: spec.path,
        ...(spec.next && { setupRequest: (request) => ({ ...request, ...spec.next!() }) }),
        onResponse: (status, body, _context, headers) => {
          if (status === 503 && Object.keys(headers).some((h) => h.toLowerCase() === 'retry-after')) deliberate503 += 1;
          spec.onAnswer?.(status, body);
        },
      },
    ],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    latencies.push(responseTimeMs);
    if (statusCode >= 200 && statusCode < 300) latencies2xx.push(responseTimeMs);
    byStatus[statusCode] = (byStatus[statusCode] ?? 0) + 1;
  });
  instance.on('reqError', () => (errors += 1));

  const label = `${spec.scenario} c${spec.connections}`;
  const ticker = setInterval(() => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const twoXx = Object.entries(byStatus).reduce((sum, [status, n]) => sum + (status.startsWith('2') ? n : 0), 0);
    const other = latencies.length - twoXx;
    spec.progress.update(
      `${label}  ${Math.min(elapsed, spec.durationSeconds).toFixed(0)}/${spec.durationSeconds} s  ${Math.round(latencies.length / elapsed)} answers/s  2xx ${twoXx}  other ${other}  errors ${errors}${spec.status ? `  ${spec.status()}` : ''}`,
    );
  }, 1000);

  let result: Awaited<typeof instance>;
  try {
    result = await instance;
  } finally {
    clearInterval(ticker);
  }
  const cpu = process.cpuUsage(cpuAtStart);
  const seconds = spec.durationSeconds;
  const non2xx = Object.fromEntries(Object.entries(byStatus).filter(([status]) => !status.startsWith('2')));
  const answers = latencies.length;
  const accepted = spec.method === 'POST' ? (byStatus['201'] ?? 0) : undefined;
  return {
    scenario: spec.scenario,
    endpoint: `${spec.method} ${spec.path}`,
    connections: spec.connections,
    durationSeconds: seconds,
    answers,
    answersPerSecond: round(answers / seconds),
    ...(accepted !== undefined && { accepted, acceptedPerSecond: round(accepted / seconds) }),
    byStatus,
    non2xx,
    deliberate503,
    errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    latencyMs: percentiles(latencies),
    latency2xxMs: percentiles(latencies2xx),
    loadGeneratorCpuPercent: Math.round((cpu.user + cpu.system) / 10 / (Date.now() - startedAt)),
  };
}
