import { HealthIndicatorResult } from '@nestjs/terminus';

/** One thing /health reports: what an app needs to serve traffic (its database) is down when missing; the rest (broker, circuit) reports its state and stays up. */
export interface ReadinessProbe {
  check(): Promise<HealthIndicatorResult>;
}

export const READINESS_PROBES = Symbol('READINESS_PROBES');
