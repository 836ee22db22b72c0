import { OutboxRow, outboxInsert } from '@app/messaging';
import { preparedQuery } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RentalStatus } from './rental';
import { Rental } from './rental.entity';

/** rental's hot-path SQL: statements that do in one round trip what TypeORM does in several. */
@Injectable()
export class RentalsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  /**
   * Saves a new rental and sets its createdAt and updatedAt as the database gave them. A second
   * rental with the customer's idempotency key fails it with a unique violation (rental_idempotency_key).
   */
  async insert(rental: Rental): Promise<void> {
    const [row] = await preparedQuery<Pick<Rental, 'createdAt' | 'updatedAt'>>(
      this.dataSource.manager,
      `INSERT INTO rental (id, customer_id, phone, location, size, start_date, end_date, cost_cents, currency, status,
         unit_code, reason, idempotency_key, request_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       RETURNING created_at AS "createdAt", updated_at AS "updatedAt"`,
      [
        rental.id,
        rental.customerId,
        rental.phone,
        rental.location,
        rental.size,
        rental.startDate,
        rental.endDate,
        rental.costCents,
        rental.currency,
        rental.status,
        rental.unitCode,
        rental.reason,
        rental.idempotencyKey,
        rental.requestHash,
      ],
    );
    Object.assign(rental, row);
  }

  /**
   * Moves a PENDING rental on and writes its event, in one statement (one transaction). The UPDATE
   * takes the row lock: if the outcome's consumer holds it, this waits, then finds the rental no
   * longer PENDING, changes nothing and writes no event (the consumer published it). False then.
   */
  async acceptPending(id: string, status: RentalStatus, event: OutboxRow): Promise<boolean> {
    const outbox = outboxInsert(event, 3, 'accepted');
    const [row] = await preparedQuery<{ accepted: number }>(
      this.dataSource.manager,
      `WITH accepted AS (
         UPDATE rental SET status = $2, updated_at = now() WHERE id = $1 AND status = 'PENDING' RETURNING id
       ), event AS (${outbox.sql})
       SELECT count(*)::int AS accepted FROM accepted`,
      [id, status, ...outbox.params],
    );
    return row.accepted === 1;
  }

  /**
   * Applies an outcome in one statement, in the current transaction: locks the rental, moves it as
   * `moves` says for its current status (see statusMoves), and records the outcome's unit or
   * reason even when the status stays (a cancel that came first), so that every arrival order
   * ends with the same row. Returns the status it had and whether it moved; null when there is no
   * such rental.
   */
  async recordOutcome(
    id: string,
    moves: Partial<Record<RentalStatus, RentalStatus>>,
    fields: { unitCode?: string; reason?: string },
  ): Promise<{ previousStatus: RentalStatus; moved: boolean } | null> {
    const [row] = await preparedQuery<{ previousStatus: RentalStatus; moved: boolean }>(
      this.txHost.tx,
      `WITH current AS (SELECT id, status FROM rental WHERE id = $1 FOR UPDATE),
       recorded AS (
         UPDATE rental SET status = COALESCE($2::jsonb ->> current.status, current.status), unit_code = COALESCE($3, rental.unit_code),
           reason = COALESCE($4, rental.reason), updated_at = now()
         FROM current WHERE rental.id = current.id
       )
       SELECT current.status AS "previousStatus", $2::jsonb ? current.status AS moved FROM current`,
      [id, JSON.stringify(moves), fields.unitCode ?? null, fields.reason ?? null],
    );
    return row ?? null;
  }

  /**
   * Rentals PENDING for longer than `ageMs`, oldest first, by the database's clock alone: the
   * rows' created_at is its time, and an app's clock that runs ahead would abandon fresh ones.
   */
  stalePending(ageMs: number, limit: number): Promise<{ id: string; createdAt: Date }[]> {
    return this.dataSource.query(
      `SELECT id, created_at AS "createdAt" FROM rental
       WHERE status = 'PENDING' AND created_at < now() - make_interval(secs => $1::double precision / 1000)
       ORDER BY created_at LIMIT $2`,
      [ageMs, limit],
    );
  }
}
