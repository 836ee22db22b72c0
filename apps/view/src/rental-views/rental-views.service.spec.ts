import type { EventEnvelope } from '@app/contracts';
import { TransactionHost } from '@nestjs-cls/transactional';
import { register } from 'prom-client';
import { NotificationSender, OutgoingNotification } from '../notifications/notification-sender';
import { RentalView } from './rental-view.entity';
import { RentalViewsRepository } from './rental-views.repository';
import { RentalViewsService } from './rental-views.service';

const RENTAL = '6a1c6a3e-4d8e-4d0e-9d7a-2f1f0d2c1b11';
const REQUESTED_AT = new Date(Date.now() - 2_000);

/** The row the repository's statement returns: what the database made of the event. */
class FixedRepository {
  applied: { status: string; changes: Partial<RentalView> }[] = [];
  constructor(public row: Partial<RentalView>) {}
  async apply(_rentalId: string, status: string, changes: Partial<RentalView>): Promise<RentalView> {
    this.applied.push({ status, changes });
    return { rentalId: RENTAL, phone: null, ...this.row } as RentalView;
  }
}

/** Sends each rental's notice of a kind once, as the notification table's unique key does. */
class OnceSender extends NotificationSender {
  sent: OutgoingNotification[] = [];
  async send(notification: OutgoingNotification): Promise<boolean> {
    if (this.sent.some((s) => s.rentalId === notification.rentalId && s.kind === notification.kind)) return false;
    this.sent.push(notification);
    return true;
  }
}

const envelope = (type: string, payload: object = {}): EventEnvelope<{ rentalId: string }> => ({
  id: '9f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f',
  type,
  version: 1,
  occurredAt: REQUESTED_AT.toISOString(),
  correlationId: 'c-1',
  payload: { rentalId: RENTAL, ...payload },
});

async function sagaLagCount(): Promise<number> {
  const metric = (await register.getMetricsAsJSON()).find((m) => m.name === 'saga_lag_seconds');
  const counts = (metric?.values ?? []).filter((v) => (v as { metricName?: string }).metricName === 'saga_lag_seconds_count');
  return counts.reduce((sum, v) => sum + v.value, 0);
}

describe('RentalViewsService', () => {
  function serviceWith(row: Partial<RentalView>) {
    const repository = new FixedRepository(row);
    const sender = new OnceSender();
    const service = new RentalViewsService({} as TransactionHost<never>, sender, repository as unknown as RentalViewsRepository);
    return { service, repository, sender };
  }

  it('proposes the status the event stands for, with its facts and, for RentalRequested, when it was asked', async () => {
    const { service, repository } = serviceWith({ status: 'REQUESTED', customerId: 'c', requestedAt: REQUESTED_AT });
    await service.apply(envelope('RentalRequested', { customerId: 'c', location: 'berlin', unitCode: undefined }));
    expect(repository.applied).toEqual([
      { status: 'REQUESTED', changes: { customerId: 'c', location: 'berlin', requestedAt: REQUESTED_AT } },
    ]);
  });

  it('tells the customer of an outcome once, and counts the saga lag once', async () => {
    const { service, sender } = serviceWith({ status: 'CONFIRMED', customerId: 'c', requestedAt: REQUESTED_AT, unitCode: 'u-1' });
    const before = await sagaLagCount();
    await service.apply(envelope('StorageAssigned', { unitCode: 'u-1' }));
    await service.apply(envelope('RentalRequested', { customerId: 'c' }));
    expect(sender.sent.map((s) => s.kind)).toEqual(['CONFIRMED']);
    expect((await sagaLagCount()) - before).toBe(1);
  });

  it('tells no one while the row does not know whose rental it is', async () => {
    const { service, sender } = serviceWith({ status: 'CONFIRMED', customerId: null, requestedAt: null });
    const before = await sagaLagCount();
    await service.apply(envelope('StorageAssigned', { unitCode: 'u-1' }));
    expect(sender.sent).toEqual([]);
    expect((await sagaLagCount()) - before).toBe(0);
  });

  it('tells the customer of a cancellation without counting it as the saga’s outcome', async () => {
    const { service, sender } = serviceWith({ status: 'CANCELLED', customerId: 'c', requestedAt: REQUESTED_AT });
    const before = await sagaLagCount();
    await service.apply(envelope('RentalCancelled', { customerId: 'c' }));
    expect(sender.sent.map((s) => s.kind)).toEqual(['CANCELLED']);
    expect((await sagaLagCount()) - before).toBe(0);
  });
});
