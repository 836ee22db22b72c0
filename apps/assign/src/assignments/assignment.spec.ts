import { periodsOverlap, release } from './assignment';

const period = (startDate: string, endDate: string) => ({ startDate, endDate });

describe('periodsOverlap', () => {
  it('counts a shared first or last day as overlap, since both end days are rented', () => {
    expect(periodsOverlap(period('2030-01-01', '2030-01-10'), period('2030-01-10', '2030-01-20'))).toBe(true);
    expect(periodsOverlap(period('2030-01-10', '2030-01-20'), period('2030-01-01', '2030-01-10'))).toBe(true);
  });

  it('lets a period start the day after another ends', () => {
    expect(periodsOverlap(period('2030-01-01', '2030-01-10'), period('2030-01-11', '2030-01-20'))).toBe(false);
  });

  it('sees a period inside another, and a one-day period', () => {
    expect(periodsOverlap(period('2030-01-01', '2030-01-31'), period('2030-01-05', '2030-01-06'))).toBe(true);
    expect(periodsOverlap(period('2030-01-05', '2030-01-05'), period('2030-01-05', '2030-01-05'))).toBe(true);
  });

  it('compares across month and year boundaries', () => {
    expect(periodsOverlap(period('2030-12-20', '2031-01-05'), period('2031-01-05', '2031-01-09'))).toBe(true);
    expect(periodsOverlap(period('2030-12-20', '2030-12-31'), period('2031-01-01', '2031-01-09'))).toBe(false);
  });
});

describe('release', () => {
  it('gives back the unit of an active assignment', () => {
    expect(release('ACTIVE')).toEqual({ status: 'RELEASED', released: true });
  });

  it.each(['RELEASED', 'UNAVAILABLE', 'CANCELLED'] as const)('leaves %s as it is', (status) => {
    expect(release(status)).toEqual({ status, released: false });
  });
});
