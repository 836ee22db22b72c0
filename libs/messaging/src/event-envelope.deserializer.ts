import { routingKeyOf } from '@app/contracts';
import { ConsumerDeserializer, IncomingEvent } from '@nestjs/microservices';

/** No handler has this pattern, so Nest rejects the message and the queue dead-letters it. */
export const UNROUTABLE = 'unroutable';

/**
 * Our messages are bare envelopes, not Nest's `{pattern, data}` packets: the pattern comes from
 * the envelope's type and version, so a message of an unknown type or version finds no handler.
 */
export class EventEnvelopeDeserializer implements ConsumerDeserializer {
  deserialize(value: unknown): IncomingEvent {
    const envelope = value as { type?: unknown; version?: unknown } | null;
    const routable = typeof envelope?.type === 'string' && Number.isInteger(envelope.version);
    return {
      pattern: routable ? routingKeyOf(envelope.type as string, envelope.version as number) : UNROUTABLE,
      data: value,
    };
  }
}
