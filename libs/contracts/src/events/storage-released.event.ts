import { IsString, IsUUID, Length } from 'class-validator';

/** assign → manage, view: the unit the rental held is free again. */
export class StorageReleased {
  static readonly type = 'StorageReleased';
  static readonly version = 1;
  static readonly routingKey = 'storage.released.v1';

  @IsUUID() rentalId!: string;
  @IsString() @Length(1, 64) unitCode!: string;
}
