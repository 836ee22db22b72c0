import { ReadinessProbe } from '@app/platform';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BrokerConnection } from './broker-connection';

@Injectable()
export class BrokerProbe implements ReadinessProbe {
  constructor(
    private readonly broker: BrokerConnection,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check() {
    const publisher = this.broker.isPublisherConnected();
    const consumer = this.broker.isConsumerConnected();
    const session = this.indicator.check('broker');
    return publisher && consumer ? session.up() : session.down({ publisher, consumer });
  }
}
