import { BrokerConfig } from '@app/messaging';
import {
  IsInt,
  Matches,
  Max,
  Min,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';

/** The sweeper must not abandon an application whose call to manage is still within its time. */
@ValidatorConstraint({ name: 'outlastsAllocationRequest' })
class OutlastsAllocationRequest implements ValidatorConstraintInterface {
  validate(value: number, { object }: ValidationArguments): boolean {
    const config = object as RentalConfig;
    return value > (config.MANAGE_RETRIES + 1) * config.MANAGE_TIMEOUT_MS + 1000;
  }

  defaultMessage(): string {
    return '$property must exceed (MANAGE_RETRIES + 1) × MANAGE_TIMEOUT_MS + 1000, the longest an allocation request can take';
  }
}

export class RentalConfig extends BrokerConfig {
  @IsInt()
  @Min(1)
  @Max(65535)
  RENTAL_PORT: number = 8081;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: '$property must be a postgres:// URL' })
  RENTAL_DATABASE_URL: string = 'postgres://rental@127.0.0.1:5432/rental';

  @Matches(/^https?:\/\/.+/, { message: '$property must be an http(s):// URL' })
  MANAGE_URL: string = 'http://127.0.0.1:8082';

  /** Longest wait for manage to accept an allocation request (the original system's 600 ms). */
  @IsInt()
  @Min(10)
  @Max(60_000)
  MANAGE_TIMEOUT_MS: number = 600;

  /** Extra attempts after a timeout, network error or 5xx. Safe: manage is idempotent by rental id. */
  @IsInt()
  @Min(0)
  @Max(5)
  MANAGE_RETRIES: number = 1;

  /** Most calls to manage in flight from one rental process; more wait their turn, outside MANAGE_TIMEOUT_MS. */
  @IsInt()
  @Min(1)
  @Max(1000)
  MANAGE_CONCURRENCY: number = 16;

  /** Most calls waiting for a turn; an application beyond that is answered 503 at once. */
  @IsInt()
  @Min(0)
  @Max(100_000)
  MANAGE_QUEUE: number = 200;

  /** Consecutive failed calls to manage that open the circuit breaker. */
  @IsInt()
  @Min(1)
  @Max(1000)
  BREAKER_THRESHOLD: number = 5;

  /** How long the open breaker answers 503 at once before letting one trial call through. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  BREAKER_HALF_OPEN_AFTER_MS: number = 5000;

  /** A rental still PENDING this long was left behind by a crash mid-application: it is abandoned. */
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  @Validate(OutlastsAllocationRequest)
  ABANDON_PENDING_AFTER_MS: number = 60_000;
}
