import { preparedQuery } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { Notification } from './notification.entity';

/** view's notification writes, in the consumer's transaction. */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** Records the notification; false when the rental had one of this kind already (notification_once). */
  async recordOnce(notification: Pick<Notification, 'rentalId' | 'customerId' | 'kind' | 'message'>): Promise<boolean> {
    const rows = await preparedQuery(
      this.txHost.tx,
      `INSERT INTO notification (rental_id, customer_id, kind, message) VALUES ($1, $2, $3, $4)
       ON CONFLICT (rental_id, kind) DO NOTHING RETURNING id`,
      [notification.rentalId, notification.customerId, notification.kind, notification.message],
    );
    return rows.length > 0;
  }
}
