import { IsIn, IsInt, IsString, IsUUID, Length, Min } from 'class-validator';
import { IsCalendarDate } from '../calendar-date';
import { STORAGE_SIZES, StorageSize } from '../storage-size';

/** rental → view: manage accepted the allocation request, so the customer's application stands. */
export class RentalRequested {
  static readonly type = 'RentalRequested';
  static readonly version = 1;
  static readonly routingKey = 'rental.requested.v1';

  @IsUUID() rentalId!: string;
  @IsString() @Length(1, 64) customerId!: string;
  @IsString() @Length(1, 32) phone!: string;
  @IsString() @Length(1, 64) location!: string;
  @IsIn(STORAGE_SIZES) size!: StorageSize;
  @IsCalendarDate() startDate!: string;
  @IsCalendarDate() endDate!: string;
  /** In cents, so that no floating point touches money. */
  @IsInt() @Min(0) costCents!: number;
  @IsString() @Length(3, 3) currency!: string;
}
