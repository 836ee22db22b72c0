import { AddOutboxTraceContext1732400000500, CreateMessagingTables1732400000000, InboxMessage, OutboxMessage } from '@app/messaging';
import { CreateRental1732400000300 } from './migrations/1732400000300-create-rental';
import { Rental } from './rentals/rental.entity';

/** Everything TypeORM needs for rental's database, listed as classes (no file glob). */
export const RENTAL_ENTITIES = [Rental, OutboxMessage, InboxMessage];
export const RENTAL_MIGRATIONS = [CreateMessagingTables1732400000000, CreateRental1732400000300, AddOutboxTraceContext1732400000500];
