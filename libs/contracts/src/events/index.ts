import { AllocationCancelled } from './allocation-cancelled.event';
import { AllocationRequested } from './allocation-requested.event';
import { RentalAbandoned } from './rental-abandoned.event';
import { RentalCancelled } from './rental-cancelled.event';
import { RentalRequested } from './rental-requested.event';
import { StorageAssigned } from './storage-assigned.event';
import { StorageReleased } from './storage-released.event';
import { StorageUnavailable } from './storage-unavailable.event';

export {
  AllocationCancelled,
  AllocationRequested,
  RentalAbandoned,
  RentalCancelled,
  RentalRequested,
  StorageAssigned,
  StorageReleased,
  StorageUnavailable,
};

/** Every event the platform publishes, for tooling that must know them all. */
export const ALL_EVENTS = [
  RentalRequested,
  RentalCancelled,
  RentalAbandoned,
  AllocationRequested,
  AllocationCancelled,
  StorageAssigned,
  StorageUnavailable,
  StorageReleased,
] as const;
