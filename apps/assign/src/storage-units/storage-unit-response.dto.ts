import { STORAGE_SIZES, StorageSize } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';

export class StorageUnitResponse {
  id!: number;
  /** @example "BER-M-01" */
  code!: string;
  /** @example "berlin" */
  location!: string;
  @ApiProperty({ enum: STORAGE_SIZES })
  size!: StorageSize;
  createdAt!: Date;
}
