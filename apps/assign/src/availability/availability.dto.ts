import { IsCalendarDate, IsLocationName, STORAGE_SIZES, StorageSize } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class AvailabilityQuery {
  /** @example "berlin" */
  @IsLocationName()
  location!: string;

  /** One size; without it, one row per size. */
  @ApiProperty({ enum: STORAGE_SIZES, required: false, example: 'M' })
  @IsOptional()
  @IsIn(STORAGE_SIZES, { message: `size must be one of ${STORAGE_SIZES.join(', ')}` })
  size?: StorageSize;

  /** First day of the period, today or later. @example "2030-06-01" */
  @IsCalendarDate()
  startDate!: string;

  /** Last day of the period (inclusive), not before startDate. @example "2030-06-30" */
  @IsCalendarDate()
  endDate!: string;
}

export class SizeAvailability {
  @ApiProperty({ enum: STORAGE_SIZES })
  size!: StorageSize;
  /** Units of this size at the location, free or not. @example 5 */
  units!: number;
  /** Units of this size with no rental on any day of the period: what an application could get now. @example 3 */
  freeUnits!: number;
  /** What renting one of them for the period costs: the daily rate times the days, both end days counted, as POST /rentals prices it. @example 75 */
  cost!: number;
}

/** A hint, not a reservation: an application made after it is still decided by the saga, and may be REJECTED. */
export class AvailabilityResponse {
  location!: string;
  /** @example "2030-06-01" */
  startDate!: string;
  /** @example "2030-06-30" */
  endDate!: string;
  /** Days in the period, both end days counted. @example 30 */
  days!: number;
  @ApiProperty({ example: 'EUR' })
  currency!: string;
  @ApiProperty({ type: [SizeAvailability] })
  sizes!: SizeAvailability[];
}
