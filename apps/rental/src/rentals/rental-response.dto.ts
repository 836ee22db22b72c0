import { STORAGE_SIZES, StorageSize } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import type { RentalStatus } from './rental';
import { Rental } from './rental.entity';

/** What clients see of a rental: money as a decimal amount, no internal bookkeeping. */
export class RentalResponse {
  id!: string;
  customerId!: string;
  phone!: string;
  location!: string;
  @ApiProperty({ enum: STORAGE_SIZES })
  size!: StorageSize;
  /** First rented day, YYYY-MM-DD. */
  startDate!: string;
  /** Last rented day, YYYY-MM-DD (inclusive). */
  endDate!: string;
  /** Daily rate of the size times the days, both end days counted. */
  @ApiProperty({ example: 17.5 })
  cost!: number;
  @ApiProperty({ example: 'EUR' })
  currency!: string;
  @ApiProperty({ enum: ['PENDING', 'REQUESTED', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'ABANDONED'] })
  status!: RentalStatus;
  /** The unit held for the period, once CONFIRMED. */
  unitCode?: string;
  /** Why the rental was REJECTED or ABANDONED. */
  reason?: string;
  createdAt!: Date;
  updatedAt!: Date;
}

export function toRentalResponse(rental: Rental): RentalResponse {
  return {
    id: rental.id,
    customerId: rental.customerId,
    phone: rental.phone,
    location: rental.location,
    size: rental.size,
    startDate: rental.startDate,
    endDate: rental.endDate,
    cost: rental.costCents / 100,
    currency: rental.currency,
    status: rental.status,
    unitCode: rental.unitCode ?? undefined,
    reason: rental.reason ?? undefined,
    createdAt: rental.createdAt,
    updatedAt: rental.updatedAt,
  };
}
