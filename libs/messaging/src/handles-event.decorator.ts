import { EventType } from '@app/contracts';
import { SetMetadata } from '@nestjs/common';

/** Where HandlesEvent keeps a method's event: EventConsumer finds the handlers by it. */
export const HANDLED_EVENT = Symbol('HANDLED_EVENT');

/**
 * Marks a provider's method as the handler of one event type (at its version). The app's queue is
 * bound to the event's routing key (SUBSCRIPTIONS), and EventConsumer calls the method with the
 * envelope, with validation, the inbox, the transaction and the ack around the call.
 */
export function HandlesEvent(event: EventType): MethodDecorator {
  return SetMetadata(HANDLED_EVENT, event);
}
