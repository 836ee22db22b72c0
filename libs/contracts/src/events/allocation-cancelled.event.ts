import { IsUUID } from 'class-validator';

/** manage → assign: release whatever unit this rental holds, or never assign one. */
export class AllocationCancelled {
  static readonly type = 'AllocationCancelled';
  static readonly version = 1;
  static readonly routingKey = 'allocation.cancelled.v1';

  @IsUUID() rentalId!: string;
}
