import { AllocationStatus, afterAssigned, afterReleased, afterUnavailable, cancel } from './allocation';

describe('allocation status', () => {
  it('moves a requested allocation to ASSIGNED or UNAVAILABLE', () => {
    expect(afterAssigned('REQUESTED')).toBe('ASSIGNED');
    expect(afterUnavailable('REQUESTED')).toBe('UNAVAILABLE');
  });

  it('keeps CANCELLED when the assignment arrives after the cancel', () => {
    expect(afterAssigned('CANCELLED')).toBe('CANCELLED');
    expect(afterUnavailable('CANCELLED')).toBe('CANCELLED');
  });

  it('tells assign about a cancel only when it may hold a unit', () => {
    expect(cancel('REQUESTED')).toEqual({ status: 'CANCELLED', tellAssign: true });
    expect(cancel('ASSIGNED')).toEqual({ status: 'CANCELLED', tellAssign: true });
    expect(cancel('UNAVAILABLE')).toEqual({ status: 'CANCELLED', tellAssign: false });
  });

  it.each<AllocationStatus>(['CANCELLED', 'RELEASED'])('treats a second cancel of %s as a no-op', (status) => {
    expect(cancel(status)).toEqual({ status, tellAssign: false });
  });

  it('marks an allocation RELEASED once assign freed the unit, even if the release overtook the cancel or the assignment', () => {
    for (const status of ['REQUESTED', 'ASSIGNED', 'CANCELLED', 'RELEASED'] as const) expect(afterReleased(status)).toBe('RELEASED');
    expect(afterReleased('UNAVAILABLE')).toBe('UNAVAILABLE');
  });
});
