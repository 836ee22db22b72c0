import { DatabaseConfig } from '@app/platform';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

/** Settings of every app that publishes or consumes events: each has a database too (its outbox). */
export class BrokerConfig extends DatabaseConfig {
  /**
   * Whom this process connects as: for an app, its own broker user (the launchers and the manifests
   * give it its <APP>_AMQP_URL); for the ops tools, an operator. The default is the local administrator.
   */
  @Matches(/^amqps?:\/\/.+/, { message: '$property must be an amqp:// or amqps:// URL' })
  AMQP_URL: string = 'amqp://guest:guest@127.0.0.1:5672';

  @IsString()
  @Matches(/^[\w.-]{1,100}$/, { message: '$property must be an exchange name (letters, digits, . _ -)' })
  AMQP_EXCHANGE: string = 'storage-rental';

  /**
   * Unacknowledged messages one consumer holds at a time: bounds memory and in-flight work. Above
   * AMQP_BATCH_SIZE × AMQP_BATCHES_IN_FLIGHT, so that the next batch has arrived when one is acked.
   */
  @IsInt()
  @Min(1)
  @Max(1000)
  AMQP_PREFETCH: number = 150;

  /**
   * Messages applied in one database transaction, at most: the consumer takes what has arrived
   * (up to this many) and commits them together. 1 applies each message in its own transaction.
   */
  @IsInt()
  @Min(1)
  @Max(1000)
  AMQP_BATCH_SIZE: number = 50;

  /**
   * Batches one consumer applies at once, each in its own transaction: while one waits for the
   * database, another works. A rental's events are never in two at once.
   */
  @IsInt()
  @Min(1)
  @Max(100)
  AMQP_BATCHES_IN_FLIGHT: number = 2;

  /** Deliveries of one message before it goes to the dead-letter queue. */
  @IsInt()
  @Min(1)
  @Max(100)
  AMQP_MAX_ATTEMPTS: number = 5;

  /** First retry delay; it doubles with each further attempt. */
  @IsInt()
  @Min(10)
  @Max(600_000)
  AMQP_RETRY_DELAY_MS: number = 500;

  /** How often the relay looks for events written by other processes or missed wake-ups. */
  @IsInt()
  @Min(10)
  @Max(60_000)
  OUTBOX_POLL_MS: number = 500;

  @IsInt()
  @Min(1)
  @Max(10_000)
  OUTBOX_BATCH_SIZE: number = 200;
}
