import { IsCalendarDate, STORAGE_SIZES, StorageSize } from '@app/contracts';
import { IsIn, IsString, IsUUID, Length } from 'class-validator';

export class RequestAllocationDto {
  @IsUUID()
  rentalId!: string;

  @IsString()
  @Length(1, 64)
  customerId!: string;

  @IsString()
  @Length(1, 64)
  location!: string;

  @IsIn(STORAGE_SIZES)
  size!: StorageSize;

  @IsCalendarDate()
  startDate!: string;

  @IsCalendarDate()
  endDate!: string;
}
