/** On a message moved for a retry: the attempt it comes back for (the first delivery is attempt 1). */
export const ATTEMPT_HEADER = 'x-attempt';
/** A retried message comes back with the retry queue's routing key; this keeps the one it was published with. */
export const ORIGINAL_ROUTING_KEY_HEADER = 'x-original-routing-key';
/** On a dead letter our consumer moved: why it cannot be applied. */
export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';

/** The longest a message waits before its next attempt. */
const MAX_RETRY_DELAY_MS = 60_000;

/**
 * Each app has durable queues of its own: `events` bound to the subscriptions exchange, `dead` for what cannot
 * succeed, and one retry queue per delay step (retryQueuesOf), where failed messages wait out
 * their backoff before they return to `events`.
 */
export function queuesOf(app: string) {
  return { events: `${app}.events`, dead: `${app}.dead` };
}

/**
 * Where every events queue is bound, each to its app's subscriptions. An internal exchange: it is
 * reached only through one binding from the shared exchange, which db:setup adds after every queue
 * binding, so that a publish reaches all of an event's subscribers or none (and is then returned
 * to its publisher, which keeps it in the outbox), never some of them.
 */
export function subscriptionsExchangeOf(exchange: string): string {
  return `${exchange}.subscriptions`;
}

/** The shared exchange passes every routing key on to the subscriptions exchange. */
export const EVERY_ROUTING_KEY = '#';

/**
 * The app's own direct exchange, bound to its dead-letter queue and each retry queue by the queue's
 * name: how its consumer moves a message there. Apps may not write to the default exchange, which
 * would let one put anything in any queue.
 */
export function movesExchangeOf(app: string): string {
  return `${app}.moves`;
}

/**
 * Every queue of ours is a quorum queue: a RabbitMQ cluster replicates it, so losing a node loses
 * no message (a classic queue lives on one node). db:setup moves a classic queue of an older
 * release to this type, its messages kept (scripts/broker-setup.ts).
 */
export const QUEUE_TYPE = 'quorum';

/** Arguments of the events queue: anything rejected there goes to the app's dead-letter queue. */
export function eventsQueueArguments(app: string) {
  return { 'x-queue-type': QUEUE_TYPE, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queuesOf(app).dead };
}

/** Arguments of the dead-letter queue: kept until an operator redrives or drops them. */
export function deadQueueArguments() {
  return { 'x-queue-type': QUEUE_TYPE };
}

/** How an app retries: AMQP_RETRY_DELAY_MS and AMQP_MAX_ATTEMPTS. */
export interface RetrySettings {
  firstDelayMs: number;
  maxAttempts: number;
}

/** The attempt a delivery is for: its header when that is a whole number of at least 1 (hand-published ones may carry anything), else 1. */
export function attemptOf(header: unknown): number {
  const attempt = Number(header ?? 1);
  return Number.isInteger(attempt) && attempt >= 1 ? attempt : 1;
}

/**
 * The wait after a failed attempt: the first delay, doubled with each attempt, at most a minute.
 * An attempt past the last (a message from a run with more attempts) waits as long as the last.
 */
export function retryDelayMs(attempt: number, { firstDelayMs, maxAttempts }: RetrySettings): number {
  return Math.min(MAX_RETRY_DELAY_MS, firstDelayMs * 2 ** (Math.min(attemptOf(attempt), maxAttempts) - 1));
}

/**
 * One retry queue per delay, its delay a queue TTL: RabbitMQ expires messages only at the head of a
 * queue, so in one shared queue a short wait would sit behind a long one. The name carries the
 * delay, so a change of settings declares new queues instead of clashing with the old arguments;
 * `retries`, not the classic `retry` queues of before, whose type cannot change (they drain alone).
 */
export function retryQueueOf(app: string, delayMs: number): string {
  return `${app}.retries.${delayMs}ms`;
}

/** Every retry queue the app's settings can send to, shortest delay first. */
export function retryQueuesOf(app: string, settings: RetrySettings): { queue: string; delayMs: number }[] {
  const delays = new Set<number>();
  for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) delays.add(retryDelayMs(attempt, settings));
  return [...delays].map((delayMs) => ({ queue: retryQueueOf(app, delayMs), delayMs }));
}

/**
 * Arguments of a retry queue: its messages expire after its delay and go back to the events queue.
 * A quorum queue with at-least-once dead-lettering: a classic queue moves an expired message at
 * most once, so a broker killed at that moment could lose it; this one keeps it until the events
 * queue has confirmed it (the inbox absorbs the duplicate such a crash can make).
 */
export function retryQueueArguments(app: string, delayMs: number) {
  return {
    'x-queue-type': QUEUE_TYPE,
    'x-dead-letter-strategy': 'at-least-once',
    // at-least-once dead-lettering requires it: a full queue refuses new messages instead of dropping old ones
    'x-overflow': 'reject-publish',
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': queuesOf(app).events,
    'x-message-ttl': delayMs,
  };
}
