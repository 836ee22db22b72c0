import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { RentalViewEvent } from './rental-view-event.entity';
import { RentalView } from './rental-view.entity';

/** The view row as RETURNING gives it, under the entity's property names (dates as YYYY-MM-DD). */
const VIEW_COLUMNS = `rental_id AS "rentalId", customer_id AS "customerId", phone, location, size,
  start_date::text AS "startDate", end_date::text AS "endDate", cost_cents AS "costCents", currency,
  status, unit_code AS "unitCode", reason, requested_at AS "requestedAt", updated_at AS "updatedAt"`;

/** The columns an event may set, by the entity's property name. */
const SETTABLE: Partial<Record<keyof RentalView, string>> = {
  customerId: 'customer_id',
  phone: 'phone',
  location: 'location',
  size: 'size',
  startDate: 'start_date',
  endDate: 'end_date',
  costCents: 'cost_cents',
  currency: 'currency',
  status: 'status',
  unitCode: 'unit_code',
  reason: 'reason',
  requestedAt: 'requested_at',
};

/** view's hot-path SQL, in the consumer's transaction: two statements per event instead of four. */
@Injectable()
export class RentalViewsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * The rental's row, locked until the transaction ends; created with `status` if this is the
   * first event about it, whichever that is. The no-op update is what takes the lock on a row that
   * exists (ON CONFLICT DO NOTHING would return nothing for it).
   */
  async lockOrCreate(rentalId: string, status: string): Promise<RentalView> {
    const [view] = await this.txHost.tx.query<RentalView[]>(
      `INSERT INTO rental_view (rental_id, status) VALUES ($1, $2)
       ON CONFLICT (rental_id) DO UPDATE SET rental_id = EXCLUDED.rental_id
       RETURNING ${VIEW_COLUMNS}`,
      [rentalId, status],
    );
    return view;
  }

  /** Writes the event's changes to the row and its line in the history, in one statement. */
  async record(rentalId: string, changes: Partial<RentalView>, line: Omit<RentalViewEvent, 'rentalId'>): Promise<void> {
    const fields = Object.entries(changes).filter(([property]) => SETTABLE[property as keyof RentalView]);
    const sets = fields.map(([property], i) => `${SETTABLE[property as keyof RentalView]} = $${i + 7}`);
    await this.txHost.tx.query(
      `WITH line AS (
         INSERT INTO rental_view_event (message_id, rental_id, type, occurred_at, correlation_id, causation_id) VALUES ($2, $1, $3, $4, $5, $6)
       )
       UPDATE rental_view SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE rental_id = $1`,
      [rentalId, line.messageId, line.type, line.occurredAt, line.correlationId, line.causationId, ...fields.map(([, value]) => value)],
    );
  }
}
