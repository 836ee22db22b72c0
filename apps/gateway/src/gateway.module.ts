import { CorrelationModule } from '@app/correlation';
import { HealthModule, validateConfig } from '@app/platform';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { GatewayConfig } from './gateway.config';

/** Readiness has no probes: the gateway is ready when it runs, whatever the state of the apps behind it. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateConfig(GatewayConfig) }),
    CorrelationModule.forRoot(),
    HealthModule.forRoot([]),
  ],
})
export class GatewayModule {}
