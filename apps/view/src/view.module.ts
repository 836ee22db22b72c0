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
  validateConfig,
} from '@app/platform';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Notification } from './notifications/notification.entity';
import { NotificationSender, StoredNotificationSender } from './notifications/notification-sender';
import { NotificationsController } from './notifications/notifications.controller';
import { NotificationsRepository } from './notifications/notifications.repository';
import { RentalViewsConsumer } from './rental-views/rental-views.consumer';
import { RentalViewsController } from './rental-views/rental-views.controller';
import { RentalViewsRepository } from './rental-views/rental-views.repository';
import { RentalViewsService } from './rental-views/rental-views.service';
import { ViewConfig } from './view.config';
import { VIEW_ENTITIES, VIEW_MIGRATIONS } from './view.schema';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateConfig(ViewConfig, AuthConfig) }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<ViewConfig, true>) =>
        databaseOptions(config.get('VIEW_DATABASE_URL', { infer: true }), VIEW_ENTITIES, VIEW_MIGRATIONS, databaseSettingsOf(config)),
      dataSourceFactory: migratedDataSource,
    }),
    TypeOrmModule.forFeature([Notification]),
    LoggingModule.forRoot('view'),
    CorrelationModule.forRoot([transactionalPlugin()]),
    MessagingModule.forRoot('view'),
    AuthModule,
    HealthModule.forRoot([DatabaseProbe, BrokerProbe]),
  ],
  controllers: [RentalViewsController, NotificationsController],
  providers: [
    RentalViewsConsumer,
    RentalViewsService,
    RentalViewsRepository,
    NotificationsRepository,
    { provide: NotificationSender, useClass: StoredNotificationSender },
  ],
})
export class ViewModule {}
