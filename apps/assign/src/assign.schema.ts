import { AddOutboxTraceContext1732400000500, CreateMessagingTables1732400000000, InboxMessage, OutboxMessage } from '@app/messaging';
import { Assignment } from './assignments/assignment.entity';
import { CreateInventory1732400000200 } from './migrations/1732400000200-create-inventory';
import { AddUnitProbeKey1733100000200 } from './migrations/1733100000200-add-unit-probe-key';
import { IndexBookingsByPeriod1733100000300 } from './migrations/1733100000300-index-bookings-by-period';
import { IndexBookingsByLength1733200000200 } from './migrations/1733200000200-index-bookings-by-length';
import { CountUnits1733200000300 } from './migrations/1733200000300-count-units';
import { StorageUnitCount } from './storage-units/storage-unit-count.entity';
import { StorageUnit } from './storage-units/storage-unit.entity';

/** Everything TypeORM needs for assign's database, listed as classes (no file glob). */
export const ASSIGN_ENTITIES = [StorageUnit, StorageUnitCount, Assignment, OutboxMessage, InboxMessage];
export const ASSIGN_MIGRATIONS = [
  CreateMessagingTables1732400000000,
  CreateInventory1732400000200,
  AddOutboxTraceContext1732400000500,
  AddUnitProbeKey1733100000200,
  IndexBookingsByPeriod1733100000300,
  IndexBookingsByLength1733200000200,
  CountUnits1733200000300,
];
