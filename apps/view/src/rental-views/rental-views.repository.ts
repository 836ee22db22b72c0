import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { preparedQuery } from '@app/platform';
import { STATUS_STRENGTH, ViewStatus } from './rental-view';
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
  unitCode: 'unit_code',
  reason: 'reason',
  requestedAt: 'requested_at',
};

/** `CASE <status> WHEN 'REQUESTED' THEN 0 … END`: rental-view.ts's strength table, in SQL. */
function strengthOf(status: string): string {
  const cases = Object.entries(STATUS_STRENGTH).map(([name, strength]) => `WHEN '${name}' THEN ${strength}`);
  return `CASE ${status} ${cases.join(' ')} END`;
}

/** The stronger of the row's status and the event's, the row's on a tie: the result does not depend on arrival order. */
const STRONGER_STATUS = `CASE WHEN ${strengthOf('EXCLUDED.status')} > ${strengthOf('rental_view.status')} THEN EXCLUDED.status ELSE rental_view.status END`;

/** view's hot-path SQL, in the consumer's transaction: one statement per event. */
@Injectable()
export class RentalViewsRepository {
  private readonly applyStatements = new Map<string, string>();

  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * Applies one event to the rental's row and writes its line in the history, in one statement:
   * creates the row if this is the first event about the rental, whichever it is, or else sets the
   * event's facts and the stronger status. The upsert locks the row until the transaction ends,
   * so concurrent events for one rental take turns. Returns the row as it is now.
   */
  async apply(
    rentalId: string,
    status: ViewStatus,
    changes: Partial<RentalView>,
    line: Omit<RentalViewEvent, 'rentalId'>,
  ): Promise<RentalView> {
    const fields = Object.entries(changes).filter(([property]) => SETTABLE[property as keyof RentalView]);
    const columns = fields.map(([property]) => SETTABLE[property as keyof RentalView]!);
    const [view] = await preparedQuery<RentalView>(this.txHost.tx, this.applyStatement(columns), [
      rentalId,
      line.messageId,
      line.type,
      line.occurredAt,
      line.correlationId,
      line.causationId,
      status,
      ...fields.map(([, value]) => value),
    ]);
    return view;
  }

  /** The statement for one list of columns, built once: an event sets the fields its payload has, so each kind of event has one or a few. */
  private applyStatement(columns: string[]): string {
    const key = columns.join();
    let text = this.applyStatements.get(key);
    if (text === undefined) {
      text = `WITH line AS (
         INSERT INTO rental_view_event (message_id, rental_id, type, occurred_at, correlation_id, causation_id) VALUES ($2, $1, $3, $4, $5, $6)
       )
       INSERT INTO rental_view (rental_id, status${columns.map((column) => `, ${column}`).join('')})
       VALUES ($1, $7${columns.map((_, i) => `, $${i + 8}`).join('')})
       ON CONFLICT (rental_id) DO UPDATE SET ${[`status = ${STRONGER_STATUS}`, ...columns.map((column) => `${column} = EXCLUDED.${column}`), 'updated_at = now()'].join(', ')}
       RETURNING ${VIEW_COLUMNS}`;
      this.applyStatements.set(key, text);
    }
    return text;
  }
}
