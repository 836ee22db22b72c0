/**
 * One rental's claim on a unit. ACTIVE holds the unit for the period; RELEASED gave it back;
 * UNAVAILABLE never got one; CANCELLED is a tombstone: the cancel arrived before the request did.
 */
export type AssignmentStatus = 'ACTIVE' | 'RELEASED' | 'UNAVAILABLE' | 'CANCELLED';

export interface Period {
  startDate: string;
  endDate: string;
}

/**
 * Periods include both end days, so one that ends the day before another starts does not overlap
 * it. Dates are `YYYY-MM-DD`, which compare correctly as strings. AssignmentsService's SQL says the same.
 */
export function periodsOverlap(a: Period, b: Period): boolean {
  return a.startDate <= b.endDate && b.startDate <= a.endDate;
}

/** What a cancel does to an assignment, and whether a unit was given back. */
export function release(status: AssignmentStatus): { status: AssignmentStatus; released: boolean } {
  return status === 'ACTIVE' ? { status: 'RELEASED', released: true } : { status, released: false };
}
