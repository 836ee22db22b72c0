import { IsLocationName, STORAGE_SIZES, StorageSize } from '@app/contracts';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

export class AddStorageUnitDto {
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,64}$/, { message: 'code must be 1 to 64 letters, digits or dashes' })
  code!: string;

  @IsLocationName()
  location!: string;

  @IsIn(STORAGE_SIZES)
  size!: StorageSize;
}

export class ListStorageUnitsQuery {
  @IsOptional()
  @IsLocationName()
  location?: string;

  @IsOptional()
  @IsIn(STORAGE_SIZES)
  size?: StorageSize;
}
