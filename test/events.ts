import { EventType } from '@app/contracts';
import type { ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { BrokerConfig } from '../libs/messaging/src/broker.config';

/** The exchange the apps publish to: the e2e environment leaves AMQP_EXCHANGE at its default. */
export const EXCHANGE = new BrokerConfig().AMQP_EXCHANGE;

/** An event's envelope as an app's outbox writes it, for a test that publishes on an app's behalf. */
export function envelope(type: string, version: number, payload: object, id = randomUUID()) {
  return { id, type, version, occurredAt: new Date().toISOString(), correlationId: `e2e-${id}`, payload };
}

/**
 * Publishes a new event to the exchange by its routing key, persistent and with its id and type, as
 * an app's relay does; the caller waits for the broker's confirms. Returns the envelope.
 */
export function publishEvent(channel: ConfirmChannel, event: EventType, payload: object) {
  const body = envelope(event.type, event.version, payload);
  channel.publish(EXCHANGE, event.routingKey, Buffer.from(JSON.stringify(body)), {
    persistent: true,
    contentType: 'application/json',
    messageId: body.id,
    type: body.type,
  });
  return body;
}
