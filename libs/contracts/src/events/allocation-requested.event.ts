import { IsIn, IsString, IsUUID, Length } from 'class-validator';
import { IsCalendarDate } from '../calendar-date';
import { STORAGE_SIZES, StorageSize } from '../storage-size';

/** manage → assign: find a unit of this size and location that is free for the whole period. */
export class AllocationRequested {
  static readonly type = 'AllocationRequested';
  static readonly version = 1;
  static readonly routingKey = 'allocation.requested.v1';

  @IsUUID() rentalId!: string;
  @IsString() @Length(1, 64) location!: string;
  @IsIn(STORAGE_SIZES) size!: StorageSize;
  @IsCalendarDate() startDate!: string;
  @IsCalendarDate() endDate!: string;
}
