import type { StorageSize } from '@app/contracts';
import { createHash } from 'node:crypto';

/**
 * PENDING: saved, manage not yet asked. REQUESTED: manage accepted, the customer got 201.
 * ABANDONED: manage could not be reached, the customer got 503 and never saw this rental.
 * Transitions are total: an event that does not apply leaves the status as it is, because
 * events may arrive late or twice.
 */
export const RENTAL_STATUSES = ['PENDING', 'REQUESTED', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'ABANDONED'] as const;
export type RentalStatus = (typeof RENTAL_STATUSES)[number];

/** What tells a replay from a different request under the same Idempotency-Key: the application's fields. */
export function requestHash(application: {
  customerId: string;
  phone: string;
  location: string;
  size: StorageSize;
  startDate: string;
  endDate: string;
}): string {
  const { customerId, phone, location, size, startDate, endDate } = application;
  return createHash('sha256')
    .update(JSON.stringify([customerId, phone, location, size, startDate, endDate]))
    .digest('hex');
}

export function afterAccepted(status: RentalStatus): RentalStatus {
  return status === 'PENDING' ? 'REQUESTED' : status;
}

/** From PENDING too: the outcome can overtake manage's HTTP answer, and proves manage had the request. */
export function afterAssigned(status: RentalStatus): RentalStatus {
  return status === 'PENDING' || status === 'REQUESTED' ? 'CONFIRMED' : status;
}

export function afterUnavailable(status: RentalStatus): RentalStatus {
  return status === 'PENDING' || status === 'REQUESTED' ? 'REJECTED' : status;
}

export function isCancellable(status: RentalStatus): boolean {
  return status === 'REQUESTED' || status === 'CONFIRMED';
}
