/**
 * The customer's status, derived from events that may come in any order or twice. Each event
 * proposes a status and the stronger one wins, so the result does not depend on arrival order:
 * a cancellation beats an outcome, an outcome beats the request.
 */
export type ViewStatus = 'REQUESTED' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';

/** Which status wins; the repository's SQL applies the same table (built from it). */
export const STATUS_STRENGTH: Record<ViewStatus, number> = { REQUESTED: 0, CONFIRMED: 1, REJECTED: 1, CANCELLED: 2 };

const PROPOSED_BY: Record<string, ViewStatus> = {
  RentalRequested: 'REQUESTED',
  AllocationRequested: 'REQUESTED',
  StorageAssigned: 'CONFIRMED',
  StorageUnavailable: 'REJECTED',
  RentalCancelled: 'CANCELLED',
  AllocationCancelled: 'CANCELLED',
  StorageReleased: 'CANCELLED',
};

/** The status an event stands for on its own: a new row starts with it, an existing one takes it if it is stronger. */
export function statusProposedBy(eventType: string): ViewStatus {
  return PROPOSED_BY[eventType] ?? 'REQUESTED';
}

/** The statuses the customer is told about. */
export function isNotifiable(status: ViewStatus): status is Exclude<ViewStatus, 'REQUESTED'> {
  return status !== 'REQUESTED';
}

/** An outcome the customer is waiting for, as opposed to a cancellation they asked for. */
export function isOutcome(status: ViewStatus | null): boolean {
  return status === 'CONFIRMED' || status === 'REJECTED';
}
