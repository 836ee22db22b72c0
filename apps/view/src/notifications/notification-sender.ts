import { Injectable, Logger } from '@nestjs/common';
import { maskPhone } from '@app/platform';
import { Notification } from './notification.entity';
import { NotificationsRepository } from './notifications.repository';

export type OutgoingNotification = Pick<Notification, 'rentalId' | 'customerId' | 'kind' | 'message'> & { phone: string | null };

/**
 * How a customer is told about their rental. Called inside the transaction that updates the view;
 * an SMS or e-mail sender would record the notification here and deliver it from an outbox of its own.
 */
export abstract class NotificationSender {
  /** Whether it was sent now: false when this rental's notice of this kind was sent before. */
  abstract send(notification: OutgoingNotification): Promise<boolean>;
}

/** Today's delivery: the notification is stored (listed by GET /notifications) and logged. */
@Injectable()
export class StoredNotificationSender extends NotificationSender {
  private readonly logger = new Logger(StoredNotificationSender.name);

  constructor(private readonly notifications: NotificationsRepository) {
    super();
  }

  async send({ phone, ...notification }: OutgoingNotification): Promise<boolean> {
    if (!(await this.notifications.recordOnce(notification))) return false;
    this.logger.log(`Notified customer ${notification.customerId} at ${maskPhone(phone)}: ${notification.message}`);
    return true;
  }
}
