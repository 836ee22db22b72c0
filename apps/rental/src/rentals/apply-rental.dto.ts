import { IsCalendarDate, IsPlainText, STORAGE_SIZES, StorageSize } from '@app/contracts';
import { IsIn, IsString, Matches } from 'class-validator';

export class ApplyRentalDto {
  @IsPlainText(1, 64)
  customerId!: string;

  @IsString()
  @Matches(/^\+?[0-9][0-9 ()-]{4,30}$/, { message: 'phone must be a phone number: digits, spaces, ( ) - and an optional leading +' })
  phone!: string;

  @IsString()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'location must be 1 to 64 lower-case letters, digits or dashes' })
  location!: string;

  @IsIn(STORAGE_SIZES, { message: `size must be one of ${STORAGE_SIZES.join(', ')}` })
  size!: StorageSize;

  @IsCalendarDate()
  startDate!: string;

  @IsCalendarDate()
  endDate!: string;
}
