import { IsString, IsUUID, Length } from 'class-validator';

/**
 * rental → manage: the application failed before the customer was told it stood (manage answered
 * too late, or not at all). manage may still have recorded the allocation, so it cancels it or,
 * if it never arrived, refuses it should it arrive late. The customer never saw this rental, so
 * the read model does not listen.
 */
export class RentalAbandoned {
  static readonly type = 'RentalAbandoned';
  static readonly version = 1;
  static readonly routingKey = 'rental.abandoned.v1';

  @IsUUID() rentalId!: string;
  @IsString() @Length(1, 200) reason!: string;
}
