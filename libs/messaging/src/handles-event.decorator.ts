import { EventType } from '@app/contracts';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EventPattern, RmqContext } from '@nestjs/microservices';
import type { Channel, ConsumeMessage } from 'amqplib';
import { Observable, from, lastValueFrom } from 'rxjs';
import { EventConsumer } from './event-consumer';

const HANDLED_EVENT = Symbol('HANDLED_EVENT');

/**
 * Marks a method as the handler of one event type (at its version). The queue is bound to the
 * event's routing key, and EventConsumer wraps the call: validation, inbox, transaction, ack.
 */
export function HandlesEvent(event: EventType): MethodDecorator {
  return applyDecorators(EventPattern(event.routingKey), SetMetadata(HANDLED_EVENT, event), UseInterceptors(EventConsumerInterceptor));
}

@Injectable()
export class EventConsumerInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly consumer: EventConsumer,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<void> {
    const event = this.reflector.get<EventType>(HANDLED_EVENT, context.getHandler());
    const rmq = context.switchToRpc().getContext<RmqContext>();
    const apply = () => lastValueFrom(next.handle(), { defaultValue: undefined });
    return from(
      this.consumer.consume(
        event,
        rmq.getChannelRef() as Channel,
        rmq.getMessage() as ConsumeMessage,
        context.switchToRpc().getData(),
        apply,
      ),
    );
  }
}
