/**
 * manage's view of one rental's allocation. Transitions are total functions: an event that does
 * not apply in the current status leaves it unchanged, because events may arrive late or twice.
 */
export const ALLOCATION_STATUSES = ['REQUESTED', 'ASSIGNED', 'UNAVAILABLE', 'CANCELLED', 'RELEASED'] as const;
export type AllocationStatus = (typeof ALLOCATION_STATUSES)[number];

export function afterAssigned(status: AllocationStatus): AllocationStatus {
  // A cancel that overtook the assignment wins: assign will release the unit it just took.
  return status === 'REQUESTED' ? 'ASSIGNED' : status;
}

export function afterUnavailable(status: AllocationStatus): AllocationStatus {
  return status === 'REQUESTED' ? 'UNAVAILABLE' : status;
}

/**
 * assign releases a unit only after a cancel, so a release that overtook the assignment or the
 * cancel itself (a retry, another replica) still ends the allocation RELEASED; a later cancel
 * then changes nothing and tells assign nothing.
 */
export function afterReleased(status: AllocationStatus): AllocationStatus {
  return status === 'UNAVAILABLE' ? status : 'RELEASED';
}

/** Cancelling tells assign only when assign may hold, or be about to take, a unit. */
export function cancel(status: AllocationStatus): { status: AllocationStatus; tellAssign: boolean } {
  switch (status) {
    case 'REQUESTED':
    case 'ASSIGNED':
      return { status: 'CANCELLED', tellAssign: true };
    case 'UNAVAILABLE':
      return { status: 'CANCELLED', tellAssign: false };
    default:
      return { status, tellAssign: false };
  }
}
