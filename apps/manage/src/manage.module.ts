import { CorrelationModule } from '@app/correlation';
import { BrokerProbe, MessagingModule } from '@app/messaging';
import {
  AuthConfig,
  AuthModule,
  ServiceIdentityModule,
  ServiceTokenConfig,
  databaseOptions,
  databaseSettingsOf,
  migratedDataSource,
  DatabaseProbe,
  HealthModule,
  LoggingModule,
  transactionalPlugin,
  validateConfig,
} from '@app/platform';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AllocationsConsumer } from './allocations/allocations.consumer';
import { AllocationsController } from './allocations/allocations.controller';
import { AllocationsRepository } from './allocations/allocations.repository';
import { AllocationsService } from './allocations/allocations.service';
import { ManageConfig } from './manage.config';
import { MANAGE_ENTITIES, MANAGE_MIGRATIONS } from './manage.schema';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateConfig(ManageConfig, AuthConfig, ServiceTokenConfig) }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<ManageConfig, true>) =>
        databaseOptions(config.get('MANAGE_DATABASE_URL', { infer: true }), MANAGE_ENTITIES, MANAGE_MIGRATIONS, databaseSettingsOf(config)),
      dataSourceFactory: migratedDataSource,
    }),
    LoggingModule.forRoot('manage'),
    CorrelationModule.forRoot([transactionalPlugin()]),
    MessagingModule.forRoot('manage'),
    AuthModule,
    ServiceIdentityModule.forRoot('manage'),
    HealthModule.forRoot([DatabaseProbe, BrokerProbe]),
  ],
  controllers: [AllocationsController],
  providers: [AllocationsConsumer, AllocationsService, AllocationsRepository],
})
export class ManageModule {}
