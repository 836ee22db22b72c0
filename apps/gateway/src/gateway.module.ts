import { CorrelationModule } from '@app/correlation';
import { AuthConfig, AuthModule, HealthModule, LoggingModule, validateConfig } from '@app/platform';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ApiDocsController } from './api-docs/api-docs.controller';
import { ApiDocsService } from './api-docs/api-docs.service';
import { GatewayConfig } from './gateway.config';
import { GATEWAY_ROUTES, proxyRoutes } from './proxy-routes';

/** Readiness has no probes: the gateway is ready when it runs, whatever the state of the apps behind it. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateConfig(GatewayConfig, AuthConfig) }),
    LoggingModule.forRoot('gateway'),
    CorrelationModule.forRoot(),
    AuthModule,
    HealthModule.forRoot([]),
  ],
  controllers: [ApiDocsController],
  providers: [
    ApiDocsService,
    {
      provide: GATEWAY_ROUTES,
      inject: [ConfigService],
      useFactory: (config: ConfigService<GatewayConfig, true>) =>
        proxyRoutes({
          RENTAL_URL: config.get('RENTAL_URL', { infer: true }),
          MANAGE_URL: config.get('MANAGE_URL', { infer: true }),
          ASSIGN_URL: config.get('ASSIGN_URL', { infer: true }),
          VIEW_URL: config.get('VIEW_URL', { infer: true }),
        }),
    },
  ],
})
export class GatewayModule {}
