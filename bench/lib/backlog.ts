import { connect } from 'amqplib';
import { queuesOf } from '../../libs/messaging/src/queues';

const POLL_MS = 200;

/**
 * How long after `since` (ms since the epoch) the saga's backlog took to drain: until no message
 * waits in any app's events queue. Read with passive declares, which cost the broker next to
 * nothing (rabbitmqctl would start an Erlang VM per poll on the machine being measured). Ready
 * messages only: what the consumers hold unacked is at most their prefetch, a batch or two. Null
 * when it had not drained within `timeoutMs`.
 */
export async function backlogDrainedAfterMs(amqpUrl: string, apps: string[], since: number, timeoutMs: number): Promise<number | null> {
  const broker = await connect(amqpUrl);
  try {
    const channel = await broker.createChannel();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const depths = await Promise.all(apps.map(async (app) => (await channel.checkQueue(queuesOf(app).events)).messageCount));
      if (depths.every((n) => n === 0)) return Date.now() - since;
      if (Date.now() > deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await broker.close();
  }
}
