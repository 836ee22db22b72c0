import { CORRELATION_HEADER } from '@app/correlation';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CircuitState, ConsecutiveBreaker, IPolicy, TimeoutStrategy, circuitBreaker, handleAll, timeout, wrap } from 'cockatiel';
import { ClsService } from 'nestjs-cls';
import { RentalConfig } from '../rental.config';
import { Rental } from './rental.entity';

/** manage answered, but not with an accepted allocation. */
export class AllocationRefusedError extends Error {}

/**
 * rental's synchronous call to manage. Every call passes a timeout and a circuit breaker, so a slow
 * or dead manage costs callers at most the timeout, and once the breaker opens, nothing at all.
 */
@Injectable()
export class ManageClient {
  private readonly logger = new Logger(ManageClient.name);
  private readonly baseUrl: string;
  private readonly breaker;
  private readonly policy: IPolicy;

  constructor(
    config: ConfigService<RentalConfig, true>,
    private readonly cls: ClsService,
  ) {
    this.baseUrl = config.get('MANAGE_URL', { infer: true });
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: config.get('BREAKER_HALF_OPEN_AFTER_MS', { infer: true }),
      breaker: new ConsecutiveBreaker(config.get('BREAKER_THRESHOLD', { infer: true })),
    });
    this.breaker.onBreak(() => this.logger.warn('Circuit to manage opened: answering 503 without calling it'));
    this.breaker.onHalfOpen(() => this.logger.log('Circuit to manage half-open: trying one call'));
    this.breaker.onReset(() => this.logger.log('Circuit to manage closed: manage answers again'));
    this.policy = wrap(this.breaker, timeout(config.get('MANAGE_TIMEOUT_MS', { infer: true }), TimeoutStrategy.Aggressive));
  }

  get circuitState(): CircuitState {
    return this.breaker.state;
  }

  async requestAllocation(rental: Rental): Promise<void> {
    await this.policy.execute(async ({ signal }) => {
      const response = await fetch(`${this.baseUrl}/allocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CORRELATION_HEADER]: this.cls.getId() },
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
      const body = await response.text();
      if (response.status !== 200 && response.status !== 201) {
        throw new AllocationRefusedError(`manage answered ${response.status}: ${body.slice(0, 200)}`);
      }
    });
  }
}
