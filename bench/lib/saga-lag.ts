import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { Percentiles, percentiles } from './stats';

export interface SagaLagResult {
  method: string;
  sampled: number;
  settled: number;
  /** Sampled applications without an outcome when the wait after the phase ran out. */
  unsettled: number;
  outcomes: Record<string, number>;
  /** Over the settled samples only; `unsettled` says how many are missing from it. */
  lagMs: Percentiles | null;
}

const POLL_MS = 20;
const MIN_GAP_MS = 10;

/**
 * Saga lag as the customer meets it: from the moment the client has the 201 to the moment the read
 * model shows CONFIRMED or REJECTED with the application's details (what GET /rental-views/:id
 * then answers). Up to one 201 every 10 ms is sampled, and the view's database is asked about
 * all pending samples at once every 20 ms: one cheap primary-key query instead of a poll per
 * rental through the gateway, which would load the system it measures. An outcome counts as seen
 * at the start of the first query that finds it, so each lag is over-stated by at most one
 * polling interval plus one query (~20 ms), never under-stated.
 */
export class SagaLagSampler {
  private readonly pending = new Map<string, number>();
  private readonly lags: number[] = [];
  private readonly outcomes: Record<string, number> = {};
  private sampled = 0;
  /** Statements this sampler sent to the view's database: the bench's own work there, not the system's. */
  queries = 0;
  private lastSampleAt = -Infinity;
  private running = true;
  private failure?: Error;
  private readonly loop: Promise<void>;

  private constructor(private readonly db: Client) {
    // Kept for finish(): a failed poll must end the phase with its reason, not crash the process mid-load.
    this.loop = this.poll().catch((error: Error) => {
      this.failure = error;
    });
  }

  static async open(viewDatabaseUrl: string): Promise<SagaLagSampler> {
    const db = new Client({ connectionString: viewDatabaseUrl });
    await db.connect();
    return new SagaLagSampler(db);
  }

  /** Called with every 201's rental id, as soon as the client has it. */
  offer(rentalId: string): void {
    const now = performance.now();
    if (now - this.lastSampleAt < MIN_GAP_MS) return;
    this.lastSampleAt = now;
    this.pending.set(rentalId, now);
    this.sampled += 1;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Waits for the samples still pending (up to `timeoutMs`), then stops and reports. */
  async finish(timeoutMs: number): Promise<SagaLagResult> {
    const deadline = performance.now() + timeoutMs;
    while (this.pending.size > 0 && !this.failure && performance.now() < deadline) await sleep(POLL_MS);
    this.running = false;
    await this.loop;
    await this.db.end();
    if (this.failure) throw new Error(`Saga lag sampling failed: ${this.failure.message}`);
    return {
      method: 'client 201 → view database shows CONFIRMED/REJECTED with requested_at (20 ms polls of sampled ids)',
      sampled: this.sampled,
      settled: this.lags.length,
      unsettled: this.pending.size,
      outcomes: this.outcomes,
      lagMs: percentiles(this.lags),
    };
  }

  private async poll(): Promise<void> {
    while (this.running && !this.failure) {
      if (this.pending.size > 0) {
        const startedAt = performance.now();
        this.queries += 1;
        const { rows } = await this.db.query<{ rental_id: string; status: string }>(
          `SELECT rental_id, status FROM rental_view
           WHERE rental_id = ANY($1::uuid[]) AND status IN ('CONFIRMED', 'REJECTED') AND requested_at IS NOT NULL`,
          [[...this.pending.keys()]],
        );
        for (const { rental_id, status } of rows) {
          const at = this.pending.get(rental_id);
          if (at === undefined) continue;
          this.lags.push(startedAt - at);
          this.outcomes[status] = (this.outcomes[status] ?? 0) + 1;
          this.pending.delete(rental_id);
        }
      }
      await sleep(POLL_MS);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
