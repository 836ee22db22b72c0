import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/access.decorators';
import { READINESS_PROBES, ReadinessProbe } from './readiness-probe';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(READINESS_PROBES) private readonly probes: ReadinessProbe[],
  ) {}

  /** Liveness: the process answers. Never depends on the database or the broker, so an outage does not restart us. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Readiness: our database is reachable and we are not shutting down (Terminus answers 503 then); other probes only report. */
  @Get(['', 'ready'])
  @HealthCheck()
  ready() {
    return this.health.check(this.probes.map((probe) => () => probe.check()));
  }
}
