import { IsCalendarDate, IsLocationName, IsPlainText, STORAGE_SIZES, StorageSize } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches, ValidateIf } from 'class-validator';

export class ApplyRentalDto {
  /** Optional: the token's customer. An admin names the customer here. @example "alice" */
  @ValidateIf((_dto, value) => value !== undefined)
  @IsPlainText(1, 64)
  customerId?: string;

  /** @example "+49 30 1234567" */
  @IsString()
  @Matches(/^\+?[0-9][0-9 ()-]{4,30}$/, { message: 'phone must be a phone number: digits, spaces, ( ) - and an optional leading +' })
  phone!: string;

  /** @example "berlin" */
  @IsLocationName()
  location!: string;

  @ApiProperty({ enum: STORAGE_SIZES, example: 'M' })
  @IsIn(STORAGE_SIZES, { message: `size must be one of ${STORAGE_SIZES.join(', ')}` })
  size!: StorageSize;

  /** First rented day, today or later. @example "2030-06-01" */
  @IsCalendarDate()
  startDate!: string;

  /** Last rented day (inclusive), not before startDate. @example "2030-06-30" */
  @IsCalendarDate()
  endDate!: string;
}
