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
  RentalTerms,
  RentalTermsConfig,
  validateConfig,
} from '@app/platform';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RentalConfig } from './rental.config';
import { RENTAL_ENTITIES, RENTAL_MIGRATIONS } from './rental.schema';
import { ManageCircuitProbe } from './rentals/manage-circuit.probe';
import { ManageClientModule } from './rentals/manage-client.module';
import { PendingRentalsSweeper } from './rentals/pending-rentals.sweeper';
import { Rental } from './rentals/rental.entity';
import { RentalsConsumer } from './rentals/rentals.consumer';
import { RentalsController } from './rentals/rentals.controller';
import { RentalsRepository } from './rentals/rentals.repository';
import { RentalsService } from './rentals/rentals.service';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      validate: validateConfig(RentalConfig, AuthConfig, ServiceTokenConfig, RentalTermsConfig),
    }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<RentalConfig, true>) =>
        databaseOptions(config.get('RENTAL_DATABASE_URL', { infer: true }), RENTAL_ENTITIES, RENTAL_MIGRATIONS, databaseSettingsOf(config)),
      dataSourceFactory: migratedDataSource,
    }),
    LoggingModule.forRoot('rental'),
    CorrelationModule.forRoot([transactionalPlugin()]),
    MessagingModule.forRoot('rental'),
    TypeOrmModule.forFeature([Rental]),
    ManageClientModule,
    AuthModule,
    ServiceIdentityModule.forRoot('rental'),
    HealthModule.forRoot([DatabaseProbe, BrokerProbe, ManageCircuitProbe], [ManageClientModule]),
  ],
  controllers: [RentalsController],
  providers: [RentalsConsumer, RentalsService, RentalsRepository, PendingRentalsSweeper, RentalTerms],
})
export class RentalModule {}
