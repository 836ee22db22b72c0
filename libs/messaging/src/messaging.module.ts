import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { APP_NAME } from './app-name';
import { BrokerConnection } from './broker-connection';
import { EventConsumer } from './event-consumer';
import { Inbox } from './inbox';
import { InboxRepository } from './inbox.repository';
import { MessagingMetrics } from './messaging.metrics';
import { Outbox } from './outbox';
import { OutboxRelay } from './outbox-relay';
import { OutboxRepository } from './outbox.repository';

@Global()
@Module({})
export class MessagingModule {
  static forRoot(app: string): DynamicModule {
    const providers = [
      { provide: APP_NAME, useValue: app },
      BrokerConnection,
      Outbox,
      OutboxRelay,
      OutboxRepository,
      Inbox,
      InboxRepository,
      EventConsumer,
      MessagingMetrics,
    ];
    return { module: MessagingModule, imports: [DiscoveryModule], providers, exports: providers };
  }
}
