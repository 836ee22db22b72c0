import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RentalConfig } from '../rental.config';
import { RentalsRepository } from './rentals.repository';
import { RentalsService } from './rentals.service';

const BATCH = 100;

/**
 * A rental stays PENDING only while rental waits for manage, well under a second. One older than
 * ABANDON_PENDING_AFTER_MS was left by a process that died mid-application: it is abandoned like a
 * failed call, so manage releases whatever it may have allocated. Every replica sweeps; the
 * conditional update lets exactly one of them abandon each rental.
 */
@Injectable()
export class PendingRentalsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PendingRentalsSweeper.name);
  private readonly ageMs: number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: RentalsRepository,
    private readonly service: RentalsService,
    config: ConfigService<RentalConfig, true>,
  ) {
    this.ageMs = config.get('ABANDON_PENDING_AFTER_MS', { infer: true });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), Math.max(1000, this.ageMs / 4));
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    const stale = await this.repository.stalePending(this.ageMs, BATCH).catch(() => []); // the database may be away; the next sweep tries again
    for (const rental of stale) {
      const abandoned = await this.service
        .abandonIfPending(rental.id, 'the application was interrupted before manage answered')
        .catch(() => false);
      if (abandoned) this.logger.warn(`Abandoned rental ${rental.id}, left PENDING since ${rental.createdAt.toISOString()}`);
    }
  }
}
