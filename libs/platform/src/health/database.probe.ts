import { Injectable } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ReadinessProbe } from './readiness-probe';

@Injectable()
export class DatabaseProbe implements ReadinessProbe {
  constructor(private readonly typeOrm: TypeOrmHealthIndicator) {}

  check() {
    return this.typeOrm.pingCheck('database', { timeout: 1000 });
  }
}
