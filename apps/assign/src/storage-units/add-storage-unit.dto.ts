import { STORAGE_SIZES, StorageSize } from '@app/contracts';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

export class AddStorageUnitDto {
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,64}$/, { message: 'code must be 1 to 64 letters, digits or dashes' })
  code!: string;

  @IsString()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'location must be 1 to 64 lower-case letters, digits or dashes' })
  location!: string;

  @IsIn(STORAGE_SIZES)
  size!: StorageSize;
}

export class ListStorageUnitsQuery {
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'location must be 1 to 64 lower-case letters, digits or dashes' })
  location?: string;

  @IsOptional()
  @IsIn(STORAGE_SIZES)
  size?: StorageSize;
}
