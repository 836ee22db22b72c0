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
 * this table when it connects: a message that no queue is bound for yet would come back unroutable
 * (publishes are mandatory) and hold up the relay, or, without that, be confirmed and dropped.
 * Each app's @HandlesEvent handlers must match its row (a test checks that).
 */
export const SUBSCRIPTIONS: Record<'rental' | 'manage' | 'assign' | 'view', EventType[]> = {
  rental: [StorageAssigned, StorageUnavailable],
  manage: [StorageAssigned, StorageUnavailable, StorageReleased, RentalCancelled, RentalAbandoned],
  assign: [AllocationRequested, AllocationCancelled],
  view: [RentalRequested, AllocationRequested, StorageAssigned, StorageUnavailable, RentalCancelled, AllocationCancelled, StorageReleased],
};

/**
 * Which app publishes which events: each event has exactly one publisher. db:setup turns this into
 * each app's broker permissions (RabbitMQ topic permissions: an app may publish only these routing
 * keys), so that no app can pass off another's events. A test checks it against the apps' outbox calls.
 */
export const PUBLICATIONS: Record<keyof typeof SUBSCRIPTIONS, EventType[]> = {
  rental: [RentalRequested, RentalCancelled, RentalAbandoned],
  manage: [AllocationRequested, AllocationCancelled],
  assign: [StorageAssigned, StorageUnavailable, StorageReleased],
  view: [],
};
