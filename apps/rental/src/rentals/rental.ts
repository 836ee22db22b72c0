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

export type DailyRates = Record<StorageSize, number>;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Both end days are rented: 1 to 1 is one day. */
export function daysInPeriod(startDate: string, endDate: string): number {
  return Math.round((Date.parse(endDate) - Date.parse(startDate)) / DAY_MS) + 1;
}

export function priceCents(size: StorageSize, startDate: string, endDate: string, rates: DailyRates): number {
  return rates[size] * daysInPeriod(startDate, endDate);
}

/** The first rule the period breaks, named by field, or undefined. `today` is UTC, `YYYY-MM-DD`. */
export function periodProblem(startDate: string, endDate: string, today: string, maxDays: number) {
  if (startDate < today) return { field: 'startDate', message: `startDate must be today (${today}) or later` };
  if (endDate < startDate) return { field: 'endDate', message: 'endDate must not be before startDate' };
  if (daysInPeriod(startDate, endDate) > maxDays)
    return { field: 'endDate', message: `endDate makes the rental longer than ${maxDays} days, the most a rental may last` };
  return undefined;
}

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
