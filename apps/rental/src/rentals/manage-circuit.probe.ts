import { ReadinessProbe } from '@app/platform';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ManageClient } from './manage.client';

/**
 * Shows the circuit to manage in /health. Always "up": with the circuit open rental still serves
 * (fast 503s for applications, everything else as usual), so taking it out of rotation would only
 * spread the outage.
 */
@Injectable()
export class ManageCircuitProbe implements ReadinessProbe {
  constructor(
    private readonly manage: ManageClient,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check() {
    return this.indicator.check('manageCircuit').up({ state: this.manage.circuitStateName });
  }
}
