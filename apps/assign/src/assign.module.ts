import { CorrelationModule } from '@app/correlation';
import { BrokerProbe, MessagingModule } from '@app/messaging';
import {
  AuthConfig,
  AuthModule,
  databaseOptions,
  databaseSettingsOf,
  migratedDataSource,
  DatabaseProbe,
  HealthModule,
  LoggingModule,
  transactionalPlugin,
  RentalTerms,
  RentalTermsConfig,
  validateConfig,
} from '@app/platform';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AssignConfig } from './assign.config';
import { ASSIGN_ENTITIES, ASSIGN_MIGRATIONS } from './assign.schema';
import { AvailabilityController } from './availability/availability.controller';
import { AvailabilityRepository } from './availability/availability.repository';
import { AvailabilityService } from './availability/availability.service';
import { AssignmentsConsumer } from './assignments/assignments.consumer';
import { AssignmentsRepository } from './assignments/assignments.repository';
import { AssignmentsService } from './assignments/assignments.service';
import { StorageUnitsController } from './storage-units/storage-units.controller';
import { StorageUnitsRepository } from './storage-units/storage-units.repository';
import { StorageUnitsService } from './storage-units/storage-units.service';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateConfig(AssignConfig, AuthConfig, RentalTermsConfig) }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AssignConfig, true>) =>
        databaseOptions(config.get('ASSIGN_DATABASE_URL', { infer: true }), ASSIGN_ENTITIES, ASSIGN_MIGRATIONS, databaseSettingsOf(config)),
      dataSourceFactory: migratedDataSource,
    }),
    LoggingModule.forRoot('assign'),
    CorrelationModule.forRoot([transactionalPlugin('mariadb')]),
    MessagingModule.forRoot('assign'),
    AuthModule,
    HealthModule.forRoot([DatabaseProbe, BrokerProbe]),
  ],
  controllers: [StorageUnitsController, AvailabilityController],
  providers: [
    AssignmentsConsumer,
    StorageUnitsService,
    StorageUnitsRepository,
    AssignmentsService,
    AssignmentsRepository,
    AvailabilityService,
    AvailabilityRepository,
    RentalTerms,
  ],
})
export class AssignModule {}
