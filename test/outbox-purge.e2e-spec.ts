import { Connection, createConnection } from 'mysql2/promise';
import { ADMIN_DATABASES, E2E_DATABASES } from './e2e-env';
import { TestSystem, eventually } from './harness';
import { RentalApi } from './rental-api';

/** Day-old published rows: enough that the purge takes many batches. */
const OLD_ROWS = 100_000;

/**
 * Issue 14, item 10: the relay's purge of old outbox rows must not block the transactions that
 * write new ones, nor the relay's publishing. A row in the middle of the old ones is locked here,
 * so the purge stops there, in the middle of its work, for as long as the test needs; meanwhile an
 * application must go all the way through assign (MariaDB), which writes and publishes an event.
 */
describe('the outbox purge', () => {
  let system: TestSystem;
  let api: RentalApi;
  let assignDb: Connection;

  beforeAll(async () => {
    system = await TestSystem.start();
    api = new RentalApi(system.gateway);
    assignDb = await createConnection(E2E_DATABASES.assign);
  });

  afterAll(async () => {
    await assignDb?.end();
    await system?.stop();
  });

  const count = async (sql: string) => Number(((await assignDb.query(sql))[0] as { n: number }[])[0].n);
  /** Transactions waiting for a lock, in all of MariaDB: INNODB_TRX needs the PROCESS privilege, which assign's user has not. */
  const lockWaits = async () => {
    const admin = await createConnection(ADMIN_DATABASES.mariadb);
    try {
      const [rows] = await admin.query(`SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'`);
      return Number((rows as { n: number }[])[0].n);
    } finally {
      await admin.end();
    }
  };
  const oldRows = () => count(`SELECT COUNT(*) AS n FROM outbox_message WHERE published_at < NOW() - INTERVAL 1 DAY`);

  it('deletes a hundred thousand day-old rows while assign keeps writing and publishing events', async () => {
    // Published two days ago: past the day of retention in any time zone.
    await assignDb.query(
      `INSERT INTO outbox_message (message_id, type, routing_key, correlation_id, body, created_at, published_at)
       SELECT UUID(), 'StorageAssigned', 'storage.assigned.v1', UUID(), '{}', NOW() - INTERVAL 2 DAY, NOW() - INTERVAL 2 DAY
       FROM seq_1_to_${OLD_ROWS}`,
    );
    expect(await oldRows()).toBe(OLD_ROWS);
    const holder = await createConnection(E2E_DATABASES.assign);
    try {
      // One row's lock and nothing else: READ COMMITTED, by primary key.
      const [middle] = (await holder.query(
        `SELECT position FROM outbox_message WHERE published_at < NOW() - INTERVAL 1 DAY ORDER BY position LIMIT 1 OFFSET ${OLD_ROWS / 2}`,
      )) as unknown as [{ position: string }[]];
      await holder.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await holder.query('START TRANSACTION');
      await holder.query('SELECT position FROM outbox_message WHERE position = ? FOR UPDATE', [middle[0].position]);
      // assign purges as it starts; it reaches the held row and waits there.
      await system.restart('assign');
      await eventually(
        () => lockWaits(),
        (n) => n === 1,
        { message: 'the purge did not reach the held row' },
      );

      const applied = await api.apply();
      await api.viewWithStatus(applied.body.id, 'CONFIRMED');
      expect(await oldRows()).toBeGreaterThan(0);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    await eventually(oldRows, (n) => n === 0, { timeoutMs: 60_000, message: 'the day-old rows were not purged' });
    expect(system.app('assign').output.filter((line) => line.includes('Could not purge'))).toEqual([]);
  });
});
