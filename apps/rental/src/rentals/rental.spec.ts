import {
  afterAccepted,
  afterAssigned,
  afterUnavailable,
  daysInPeriod,
  isCancellable,
  periodProblem,
  priceCents,
  requestHash,
} from './rental';

const rates = { S: 150, M: 250, L: 400, XL: 600 };

describe('rental price', () => {
  it('counts both end days', () => {
    expect(daysInPeriod('2030-03-01', '2030-03-01')).toBe(1);
    expect(daysInPeriod('2030-03-01', '2030-03-31')).toBe(31);
  });

  it('is unaffected by a daylight-saving change inside the period', () => {
    expect(daysInPeriod('2030-03-30', '2030-04-01')).toBe(3);
  });

  it('is the daily rate of the size times the days', () => {
    expect(priceCents('M', '2030-02-27', '2030-03-01', rates)).toBe(3 * 250);
    expect(priceCents('XL', '2032-02-28', '2032-03-01', rates)).toBe(3 * 600); // leap year
  });
});

describe('rental period', () => {
  it('accepts a period starting today', () => {
    expect(periodProblem('2030-01-01', '2030-01-01', '2030-01-01', 365)).toBeUndefined();
  });

  it('names startDate when the period starts in the past', () => {
    expect(periodProblem('2029-12-31', '2030-01-05', '2030-01-01', 365)?.field).toBe('startDate');
  });

  it('names endDate when it is before startDate or the period is too long', () => {
    expect(periodProblem('2030-01-05', '2030-01-04', '2030-01-01', 365)?.field).toBe('endDate');
    expect(periodProblem('2030-01-01', '2031-01-01', '2030-01-01', 365)?.message).toContain('365 days');
  });
});

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
