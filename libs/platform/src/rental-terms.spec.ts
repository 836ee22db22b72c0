import { daysInPeriod, periodProblem, priceCents } from './rental-terms';

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
