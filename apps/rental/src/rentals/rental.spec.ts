import { afterAccepted, afterAssigned, afterUnavailable, isCancellable, requestHash } from './rental';

describe('rental status', () => {
  it('confirms or rejects a requested rental, and one still waiting for manage', () => {
    expect(afterAssigned('REQUESTED')).toBe('CONFIRMED');
    expect(afterAssigned('PENDING')).toBe('CONFIRMED');
    expect(afterUnavailable('REQUESTED')).toBe('REJECTED');
  });

  it('keeps a cancelled rental cancelled when the assignment arrives late', () => {
    expect(afterAssigned('CANCELLED')).toBe('CANCELLED');
    expect(afterUnavailable('CANCELLED')).toBe('CANCELLED');
  });

  it('does not move back from CONFIRMED to REQUESTED when manage answers late', () => {
    expect(afterAccepted('CONFIRMED')).toBe('CONFIRMED');
    expect(afterAccepted('PENDING')).toBe('REQUESTED');
  });

  it('cancels only requested or confirmed rentals', () => {
    expect(['PENDING', 'REQUESTED', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'ABANDONED'].filter((s) => isCancellable(s as never))).toEqual([
      'REQUESTED',
      'CONFIRMED',
    ]);
  });
});

describe('requestHash', () => {
  const application = {
    customerId: 'alice',
    phone: '+49 30 1',
    location: 'berlin',
    size: 'M' as const,
    startDate: '2030-01-01',
    endDate: '2030-01-05',
  };

  it('is the same for the same application, whatever else the object carries', () => {
    expect(requestHash({ ...application, ...{ note: 'ignored' } })).toBe(requestHash(application));
  });

  it.each(['customerId', 'phone', 'location', 'startDate', 'endDate'] as const)('changes with %s', (field) => {
    expect(requestHash({ ...application, [field]: `${application[field]}x` })).not.toBe(requestHash(application));
  });

  it('changes with the size', () => {
    expect(requestHash({ ...application, size: 'L' })).not.toBe(requestHash(application));
  });
});
