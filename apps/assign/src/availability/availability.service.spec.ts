import type { StorageSize } from '@app/contracts';
import { InvalidInputError, RentalTerms, RentalTermsConfig } from '@app/platform';
import { ConfigService } from '@nestjs/config';
import { AvailabilityRepository, SizeCount } from './availability.repository';
import { AvailabilityService } from './availability.service';

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** The repository's answer for the sizes asked: S has 5 units and 2 booked, every other size none. */
class CountingRepository {
  asked: StorageSize[] = [];
  async countsBySize(_location: string, sizes: readonly StorageSize[]): Promise<SizeCount[]> {
    this.asked = [...sizes];
    return sizes.map((size) => (size === 'S' ? { size, units: 5, booked: 2 } : { size, units: 0, booked: 0 }));
  }
}

describe('AvailabilityService', () => {
  const repository = new CountingRepository();
  const terms = new RentalTerms(new ConfigService(Object.assign(new RentalTermsConfig(), { DAILY_RATE_CENTS_S: 125 })));
  const service = new AvailabilityService(repository as unknown as AvailabilityRepository, terms);

  it('answers free units as units less booked ones, and the price of the period with both end days', async () => {
    const answer = await service.find({ location: 'berlin', size: 'S', startDate: day(1), endDate: day(3) });
    expect(repository.asked).toEqual(['S']);
    expect(answer).toEqual({
      location: 'berlin',
      startDate: day(1),
      endDate: day(3),
      days: 3,
      currency: 'EUR',
      sizes: [{ size: 'S', units: 5, freeUnits: 3, cost: 3.75 }],
    });
  });

  it('asks for every size, in order, when none is given', async () => {
    const answer = await service.find({ location: 'berlin', startDate: day(1), endDate: day(1) });
    expect(answer.sizes.map((s) => s.size)).toEqual(['S', 'M', 'L', 'XL']);
  });

  it.each([
    ['startDate', day(-1), day(1)],
    ['endDate', day(2), day(1)],
    ['endDate', day(1), day(366)],
  ])('refuses a period an application could not have, naming %s, before reading anything', async (field, startDate, endDate) => {
    repository.asked = [];
    await expect(service.find({ location: 'berlin', startDate, endDate })).rejects.toEqual(expect.objectContaining({ field }));
    await expect(service.find({ location: 'berlin', startDate, endDate })).rejects.toBeInstanceOf(InvalidInputError);
    expect(repository.asked).toEqual([]);
  });
});
