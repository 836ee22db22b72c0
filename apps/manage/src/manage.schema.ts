import { AddOutboxTraceContext1732400000500, CreateMessagingTables1732400000000, InboxMessage, OutboxMessage } from '@app/messaging';
import { Allocation } from './allocations/allocation.entity';
import { CreateAllocation1732400000100 } from './migrations/1732400000100-create-allocation';

/** Everything TypeORM needs for manage's database, listed as classes (no file glob). */
export const MANAGE_ENTITIES = [Allocation, OutboxMessage, InboxMessage];
export const MANAGE_MIGRATIONS = [CreateMessagingTables1732400000000, CreateAllocation1732400000100, AddOutboxTraceContext1732400000500];
