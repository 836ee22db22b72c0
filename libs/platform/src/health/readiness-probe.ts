import { HealthIndicatorResult } from '@nestjs/terminus';

/** One thing an app needs before it can serve traffic: its database, its broker. */
export interface ReadinessProbe {
  check(): Promise<HealthIndicatorResult>;
}

export const READINESS_PROBES = Symbol('READINESS_PROBES');
