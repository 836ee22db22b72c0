import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { pendingMigrations } from '../database';
import { ReadinessProbe } from './readiness-probe';

/**
 * Ready when the database answers and holds every migration this code knows: a pod of a new
 * release that does not migrate itself (MIGRATE_AT_START=false) waits for db:setup to have run.
 */
@Injectable()
export class DatabaseProbe implements ReadinessProbe {
  /** Set once no migration is pending: a schema does not go back. */
  private migrated = false;

  constructor(
    private readonly typeOrm: TypeOrmHealthIndicator,
    private readonly dataSource: DataSource,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check() {
    const ping = await this.typeOrm.pingCheck('database', { timeout: 1000 });
    if (ping.database?.status !== 'up' || this.migrated) return ping;
    const pending = await pendingMigrations(this.dataSource);
    this.migrated = pending.length === 0;
    return this.migrated ? ping : this.indicator.check('database').down({ pendingMigrations: pending, fix: 'run db:setup' });
  }
}
