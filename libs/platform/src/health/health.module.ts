import { DynamicModule, Module, ModuleMetadata, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { CommonConfig } from '../config';
import { MetricsController } from '../metrics/metrics.controller';
import { HealthController } from './health.controller';
import { READINESS_PROBES, ReadinessProbe } from './readiness-probe';

/** What operators and Kubernetes ask every app: /health/live, /health/ready, /health and /metrics. */
@Module({})
export class HealthModule {
  /** `imports`: modules that provide what the probes inject, beyond the global ones. */
  static forRoot(probes: Type<ReadinessProbe>[], imports: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: HealthModule,
      imports: [
        ...imports,
        TerminusModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<CommonConfig, true>) => ({
            gracefulShutdownTimeoutMs: config.get('SHUTDOWN_DRAIN_MS', { infer: true }),
            errorLogStyle: 'pretty',
          }),
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [...probes, { provide: READINESS_PROBES, useFactory: (...instances: ReadinessProbe[]) => instances, inject: probes }],
    };
  }
}
