import { ReadinessProbe } from '@app/platform';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BrokerConnection } from './broker-connection';

/**
 * Shows the broker links in /health (and `broker_connected` in /metrics). Always "up": without the
 * broker an app still serves its HTTP traffic (the outbox keeps what it publishes until the broker
 * is back, and consumers resume on reconnect), so taking every pod out of its Service would turn a
 * broker outage into a platform outage.
 */
@Injectable()
export class BrokerProbe implements ReadinessProbe {
  constructor(
    private readonly broker: BrokerConnection,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check() {
    return this.indicator
      .check('broker')
      .up({ publisher: this.broker.isPublisherConnected(), consumer: this.broker.isConsumerConnected() });
  }
}
