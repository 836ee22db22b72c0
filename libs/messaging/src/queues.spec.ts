import { attemptOf, retryDelayMs, retryQueueArguments, retryQueueOf, retryQueuesOf } from './queues';

describe('retry queues', () => {
  const settings = { firstDelayMs: 500, maxAttempts: 9 };

  it('doubles the wait with each attempt, up to a minute', () => {
    expect([1, 2, 3, 7, 8].map((attempt) => retryDelayMs(attempt, settings))).toEqual([500, 1000, 2000, 32_000, 60_000]);
  });

  it('waits as long as the last attempt for an attempt past the last, so that its queue exists', () => {
    expect(retryDelayMs(40, { firstDelayMs: 200, maxAttempts: 5 })).toBe(3200);
    expect(retryDelayMs(0, settings)).toBe(500);
    // A hand-published header that is no attempt counts as the first: its queue exists too.
    expect([attemptOf('x'), attemptOf(2.5), attemptOf(-3), attemptOf(undefined), attemptOf('4')]).toEqual([1, 1, 1, 1, 4]);
  });

  it('declares one queue per distinct delay, each expiring into the events queue', () => {
    expect(retryQueuesOf('manage', settings).map((r) => r.queue)).toEqual([
      'manage.retries.500ms',
      'manage.retries.1000ms',
      'manage.retries.2000ms',
      'manage.retries.4000ms',
      'manage.retries.8000ms',
      'manage.retries.16000ms',
      'manage.retries.32000ms',
      'manage.retries.60000ms',
    ]);
    expect(retryQueueOf('view', 800)).toBe('view.retries.800ms');
    expect(retryQueueArguments('view', 800)).toEqual({
      'x-queue-type': 'quorum',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'view.events',
      'x-message-ttl': 800,
    });
  });
});
