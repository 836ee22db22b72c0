import { IsLocationName, STORAGE_SIZES, StorageSize } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

export class AddStorageUnitDto {
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,64}$/, { message: 'code must be 1 to 64 letters, digits or dashes' })
  code!: string;

  @IsLocationName()
  location!: string;

  @ApiProperty({ enum: STORAGE_SIZES })
  @IsIn(STORAGE_SIZES)
  size!: StorageSize;
}

export class ListStorageUnitsQuery {
  @IsOptional()
  @IsLocationName()
  location?: string;

  @ApiProperty({ enum: STORAGE_SIZES, required: false })
  @IsOptional()
  @IsIn(STORAGE_SIZES)
  size?: StorageSize;
}
