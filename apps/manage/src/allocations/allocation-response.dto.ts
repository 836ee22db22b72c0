import { STORAGE_SIZES, StorageSize } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { ALLOCATION_STATUSES, AllocationStatus } from './allocation';

/** manage's record of a rental's allocation and where the saga has got to. */
export class AllocationResponse {
  rentalId!: string;
  customerId!: string | null;
  location!: string | null;
  @ApiProperty({ enum: STORAGE_SIZES, nullable: true })
  size!: StorageSize | null;
  startDate!: string | null;
  endDate!: string | null;
  @ApiProperty({ enum: ALLOCATION_STATUSES })
  status!: AllocationStatus;
  unitCode!: string | null;
  reason!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}
