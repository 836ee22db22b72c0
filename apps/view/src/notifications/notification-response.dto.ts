import { ApiProperty } from '@nestjs/swagger';

/** What a customer was told, and when. */
export class NotificationResponse {
  id!: string;
  rentalId!: string;
  customerId!: string;
  @ApiProperty({ enum: ['CONFIRMED', 'REJECTED', 'CANCELLED'] })
  kind!: 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
  message!: string;
  createdAt!: Date;
}

export class NotificationPage {
  @ApiProperty({ type: [NotificationResponse] })
  items!: NotificationResponse[];
  page!: number;
  pageSize!: number;
  total!: number;
}
