import { IsString, IsUUID, Length } from 'class-validator';

/** assign → rental, manage, view: no unit of that size and location is free for the period. */
export class StorageUnavailable {
  static readonly type = 'StorageUnavailable';
  static readonly version = 1;
  static readonly routingKey = 'storage.unavailable.v1';

  @IsUUID() rentalId!: string;
  @IsString() @Length(1, 200) reason!: string;
}
