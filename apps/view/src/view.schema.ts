import { AddOutboxTraceContext1732400000500, CreateMessagingTables1732400000000, InboxMessage, OutboxMessage } from '@app/messaging';
import { CreateReadModel1732400000400 } from './migrations/1732400000400-create-read-model';
import { AddHistoryCausation1733100000400 } from './migrations/1733100000400-add-history-causation';
import { Notification } from './notifications/notification.entity';
import { RentalViewEvent } from './rental-views/rental-view-event.entity';
import { RentalView } from './rental-views/rental-view.entity';

/** Everything TypeORM needs for view's database, listed as classes (no file glob). */
export const VIEW_ENTITIES = [RentalView, RentalViewEvent, Notification, OutboxMessage, InboxMessage];
export const VIEW_MIGRATIONS = [
  CreateMessagingTables1732400000000,
  CreateReadModel1732400000400,
  AddOutboxTraceContext1732400000500,
  AddHistoryCausation1733100000400,
];
