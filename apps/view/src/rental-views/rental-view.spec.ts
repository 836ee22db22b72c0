import { STATUS_STRENGTH, isNotifiable, isOutcome, statusProposedBy } from './rental-view';

// The repository's upsert keeps the stronger of the row's status and the event's; every arrival
// order against the real database is test/arrival-order.e2e-spec.ts's "view" cases.
describe('rental view status', () => {
  it.each([
    ['RentalRequested', 'REQUESTED'],
    ['AllocationRequested', 'REQUESTED'],
    ['StorageAssigned', 'CONFIRMED'],
    ['StorageUnavailable', 'REJECTED'],
    ['RentalCancelled', 'CANCELLED'],
    ['AllocationCancelled', 'CANCELLED'],
    ['StorageReleased', 'CANCELLED'],
  ])('%s stands for %s', (type, status) => {
    expect(statusProposedBy(type)).toBe(status);
  });

  it('lets a cancellation beat an outcome, and an outcome beat the request', () => {
    expect(STATUS_STRENGTH.CANCELLED).toBeGreaterThan(STATUS_STRENGTH.CONFIRMED);
    expect(STATUS_STRENGTH.CONFIRMED).toBe(STATUS_STRENGTH.REJECTED);
    expect(STATUS_STRENGTH.REJECTED).toBeGreaterThan(STATUS_STRENGTH.REQUESTED);
  });

  it('tells the customer about outcomes and cancellations, not about the request', () => {
    expect(['REQUESTED', 'CONFIRMED', 'REJECTED', 'CANCELLED'].filter((s) => isNotifiable(s as never))).toEqual([
      'CONFIRMED',
      'REJECTED',
      'CANCELLED',
    ]);
    expect(isOutcome('CANCELLED')).toBe(false);
  });
});
