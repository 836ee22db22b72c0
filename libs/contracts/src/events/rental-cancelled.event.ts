import { IsString, IsUUID, Length } from 'class-validator';

/** rental → manage, view: the customer cancelled; manage cancels the allocation. */
export class RentalCancelled {
  static readonly type = 'RentalCancelled';
  static readonly version = 1;
  static readonly routingKey = 'rental.cancelled.v1';

  @IsUUID() rentalId!: string;
  @IsString() @Length(1, 64) customerId!: string;
}
