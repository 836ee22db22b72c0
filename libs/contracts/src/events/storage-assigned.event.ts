import { IsString, IsUUID, Length } from 'class-validator';

/** assign → rental, manage, view: a unit is held for the rental's whole period. */
export class StorageAssigned {
  static readonly type = 'StorageAssigned';
  static readonly version = 1;
  static readonly routingKey = 'storage.assigned.v1';

  @IsUUID() rentalId!: string;
  @IsString() @Length(1, 64) unitCode!: string;
}
