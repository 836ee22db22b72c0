import { IsCalendarDate, IsPlainText, STORAGE_SIZES, StorageSize } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';

export class RequestAllocationDto {
  @IsUUID()
  rentalId!: string;

  @IsPlainText(1, 64)
  customerId!: string;

  @IsPlainText(1, 64)
  location!: string;

  @ApiProperty({ enum: STORAGE_SIZES })
  @IsIn(STORAGE_SIZES)
  size!: StorageSize;

  @IsCalendarDate()
  startDate!: string;

  @IsCalendarDate()
  endDate!: string;
}
