import { STORAGE_SIZES } from '@app/contracts';
import { InvalidInputError, RentalTerms, daysInPeriod } from '@app/platform';
import { Injectable } from '@nestjs/common';
import { AvailabilityQuery, AvailabilityResponse } from './availability.dto';
import { AvailabilityRepository } from './availability.repository';

@Injectable()
export class AvailabilityService {
  constructor(
    private readonly repository: AvailabilityRepository,
    private readonly terms: RentalTerms,
  ) {}

  /** Free units and the price per size, under the period rules of an application: what one would be told is wrong, this is too. */
  async find({ location, size, startDate, endDate }: AvailabilityQuery): Promise<AvailabilityResponse> {
    const problem = this.terms.periodProblem(startDate, endDate);
    if (problem) throw new InvalidInputError(problem.field, problem.message);
    const counts = await this.repository.countsBySize(location, size ? [size] : STORAGE_SIZES, startDate, endDate);
    return {
      location,
      startDate,
      endDate,
      days: daysInPeriod(startDate, endDate),
      currency: this.terms.currency,
      sizes: counts.map((count) => ({
        size: count.size,
        units: count.units,
        freeUnits: count.units - count.booked,
        cost: this.terms.priceCents(count.size, startDate, endDate) / 100,
      })),
    };
  }
}
