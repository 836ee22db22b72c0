import {
  AllocationCancelled,
  AllocationRequested,
  RentalAbandoned,
  RentalCancelled,
  RentalRequested,
  StorageAssigned,
  StorageReleased,
  StorageUnavailable,
} from './events';
import { EventType } from './envelope';

/**
 * Which app consumes which events. Every app declares every subscriber's queue and bindings from
 * this table when it connects: the broker confirms, and drops, a message that no queue is bound
 * for yet, so an event published before its consumer first started would otherwise be lost.
 * Each app's @HandlesEvent handlers must match its row (a test checks that).
 */
export const SUBSCRIPTIONS: Record<'rental' | 'manage' | 'assign' | 'view', EventType[]> = {
  rental: [StorageAssigned, StorageUnavailable],
  manage: [StorageAssigned, StorageUnavailable, StorageReleased, RentalCancelled, RentalAbandoned],
  assign: [AllocationRequested, AllocationCancelled],
  view: [RentalRequested, AllocationRequested, StorageAssigned, StorageUnavailable, RentalCancelled, AllocationCancelled, StorageReleased],
};
