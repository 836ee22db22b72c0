/** Reads the few series the bench needs from an app's /metrics (Prometheus text format). */
export async function scrape(baseUrl: string): Promise<string | undefined> {
  try {
    const answer = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
    return answer.status === 200 ? await answer.text() : undefined;
  } catch {
    return undefined;
  }
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    found.push({ name, labels, value: Number(match[3]) });
  }
  return found;
}

export function gauge(text: string, name: string): number | undefined {
  return samples(text, name)[0]?.value;
}

/** The series with that name and (at least) those labels: the first one's value, undefined if none. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return withLabels(text, name, labels)[0];
}

/** The sum over the series with that name and those labels (0 if none): a counter across the other labels. */
export function sumOf(text: string, name: string, labels: Record<string, string> = {}): number {
  return withLabels(text, name, labels).reduce((sum, value) => sum + value, 0);
}

function withLabels(text: string, name: string, labels: Record<string, string>): number[] {
  return samples(text, name)
    .filter((s) => Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .map((s) => s.value);
}

/** A histogram's cumulative bucket counts, summed over every label set, by upper bound. */
export function histogramBuckets(text: string, name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const { labels, value } of samples(text, `${name}_bucket`)) {
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + value);
  }
  return buckets;
}

/** What a histogram saw between two scrapes: how many, and the share at or under each bound. */
export function histogramDelta(
  before: Map<number, number>,
  after: Map<number, number>,
): { count: number; shareAtOrUnder: Record<string, number> } {
  const count = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  const shareAtOrUnder: Record<string, number> = {};
  for (const [le, total] of [...after].sort(([a], [b]) => a - b)) {
    if (le === Infinity) continue;
    shareAtOrUnder[`${le * 1000}ms`] = count === 0 ? 0 : Math.round((10000 * (total - (before.get(le) ?? 0))) / count) / 10000;
  }
  return { count, shareAtOrUnder };
}
