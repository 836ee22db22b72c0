import { CORRELATION_HEADER } from '@app/correlation';
import { CALLER_AUTHORIZATION, SERVICE_TOKEN_HEADER, ServiceTokens } from '@app/platform';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  BulkheadPolicy,
  BulkheadRejectedError,
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ConstantBackoff,
  IPolicy,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { ClsService } from 'nestjs-cls';
import { Gauge } from 'prom-client';
import { Pool } from 'undici';
import { RentalConfig } from '../rental.config';
import { Rental } from './rental.entity';

/** manage answered, but not with an accepted allocation. */
export class AllocationRefusedError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`manage answered ${status}: ${body.slice(0, 200)}`);
  }
}

/** manage failed (timeout, network, 5xx), as opposed to refusing this request with a 4xx. */
function isManageFailure(error: unknown): boolean {
  return !(error instanceof AllocationRefusedError && error.status < 500);
}

/** Worth another attempt: manage may answer next time. An open circuit or a refusal will not change. */
function isRetryable(error: unknown): boolean {
  return !(error instanceof BrokenCircuitError) && isManageFailure(error);
}

/** The call never started: too many were in flight and waiting already. Not manage's failure. */
export function isTurnedAway(error: unknown): boolean {
  return error instanceof BulkheadRejectedError;
}

const RETRY_PAUSE_MS = 50;

/**
 * rental's synchronous call to manage. Every attempt has a timeout; the circuit breaker counts
 * failed attempts, so a slow or dead manage costs callers at most (retries + 1) timeouts, and once
 * the breaker opens, nothing at all. Retrying is safe because manage is idempotent by rental id.
 * At most MANAGE_CONCURRENCY calls are in flight and MANAGE_QUEUE wait their turn, outside the
 * timeout: under load the wait is in rental's queue, so a busy manage is not mistaken for a dead one
 * and the circuit does not open from load alone. Beyond that, calls are turned away at once.
 */
@Injectable()
export class ManageClient implements OnApplicationShutdown {
  private readonly logger = new Logger(ManageClient.name);
  /**
   * Kept-alive connections to manage. undici's request API, not fetch: fetch's web streams cost
   * rental a tenth of its CPU under load (docs/benchmarks.md).
   */
  private readonly connections: Pool;
  private readonly halfOpenAfterMs: number;
  private readonly breaker;
  private readonly policy: IPolicy;
  private readonly turns: BulkheadPolicy;
  private openedAt = 0;

  constructor(
    config: ConfigService<RentalConfig, true>,
    private readonly cls: ClsService,
    private readonly serviceTokens: ServiceTokens,
  ) {
    this.connections = new Pool(config.get('MANAGE_URL', { infer: true }));
    this.halfOpenAfterMs = config.get('BREAKER_HALF_OPEN_AFTER_MS', { infer: true });
    this.breaker = circuitBreaker(handleWhen(isManageFailure), {
      halfOpenAfter: this.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(config.get('BREAKER_THRESHOLD', { infer: true })),
    });
    this.breaker.onBreak(() => {
      this.openedAt = Date.now();
      this.logger.warn('Circuit to manage opened: answering 503 without calling it');
    });
    this.breaker.onHalfOpen(() => this.logger.log('Circuit to manage half-open: trying one call'));
    this.breaker.onReset(() => this.logger.log('Circuit to manage closed: manage answers again'));
    const retries = retry(handleWhen(isRetryable), {
      maxAttempts: config.get('MANAGE_RETRIES', { infer: true }),
      backoff: new ConstantBackoff(RETRY_PAUSE_MS),
    });
    retries.onRetry(({ attempt }) => this.logger.warn(`Retrying the allocation request (attempt ${attempt + 1})`));
    const breaker = this.breaker;
    new Gauge({
      name: 'circuit_breaker_state',
      help: 'The circuit to manage: 0 closed, 1 open, 2 half-open, 3 isolated',
      labelNames: ['target'],
      collect() {
        this.set({ target: 'manage' }, breaker.state);
      },
    });
    this.turns = bulkhead(config.get('MANAGE_CONCURRENCY', { infer: true }), config.get('MANAGE_QUEUE', { infer: true }));
    this.policy = wrap(
      this.turns,
      retries,
      this.breaker,
      // abortOnReturn false: a call returns only once manage's answer is read, so nothing is left
      // to abort, and aborting creates a DOMException (with its stack) per call, 1% of rental's CPU.
      timeout(config.get('MANAGE_TIMEOUT_MS', { infer: true }), { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }),
    );
  }

  /**
   * True while the open circuit would refuse a call anyway, so callers can answer before doing
   * any work. Not simply "state is Open": cockatiel moves to half-open only when a call is tried
   * after halfOpenAfter, so once that time is up we must let a call through.
   */
  get refusesCalls(): boolean {
    return this.breaker.state === CircuitState.Open && Date.now() - this.openedAt < this.halfOpenAfterMs;
  }

  /** True while every call slot and every place in the queue is taken: a new call would be turned away. */
  get isFull(): boolean {
    return this.turns.executionSlots === 0 && this.turns.queueSlots === 0;
  }

  get retryAfterSeconds(): number {
    return this.refusesCalls ? Math.max(1, Math.ceil((this.openedAt + this.halfOpenAfterMs - Date.now()) / 1000)) : 1;
  }

  get circuitStateName(): 'closed' | 'open' | 'half-open' | 'isolated' {
    return (['closed', 'open', 'half-open', 'isolated'] as const)[this.breaker.state];
  }

  onApplicationShutdown(): Promise<void> {
    return this.connections.close();
  }

  async requestAllocation(rental: Rental): Promise<void> {
    // Read before waiting for a turn: a queued call runs in the async context of the call that
    // freed its turn, so by then the CLS holds another request's caller and correlation id.
    const headers = {
      'content-type': 'application/json',
      [CORRELATION_HEADER]: this.cls.getId(),
      // On the applicant's behalf: manage checks the same token the gateway and rental did.
      authorization: this.cls.get<string>(CALLER_AUTHORIZATION),
      // And that rental itself asks: only rental may create allocations.
      [SERVICE_TOKEN_HEADER]: await this.serviceTokens.tokenFor('manage'),
    };
    await this.policy.execute(async ({ signal }) => {
      const response = await this.connections.request({
        path: '/allocations',
        method: 'POST',
        headers,
        body: JSON.stringify({
          rentalId: rental.id,
          customerId: rental.customerId,
          location: rental.location,
          size: rental.size,
          startDate: rental.startDate,
          endDate: rental.endDate,
        }),
        signal,
      });
      const body = await response.body.text();
      if (response.statusCode !== 200 && response.statusCode !== 201) {
        throw new AllocationRefusedError(response.statusCode, body);
      }
    });
  }
}
