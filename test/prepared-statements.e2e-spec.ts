import { isUniqueViolation, preparedQuery } from '@app/platform';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { E2E_DATABASES } from './e2e-env';

/**
 * The hot paths' statements run as named prepared statements on PostgreSQL (preparedQuery), on
 * rental's e2e database as rental's own user: prepared once per connection, errors as TypeORM
 * reports them, and the connection back in the pool after a statement outside a transaction.
 */
describe('prepared hot-path statements', () => {
  // One connection: a statement that kept it would leave the next one waiting for ever.
  const dataSource = new DataSource({ type: 'postgres', url: E2E_DATABASES.rental, extra: { max: 1 } });
  const twice = 'SELECT $1::int * 2 AS doubled';

  beforeAll(() => dataSource.initialize());
  afterAll(() => dataSource.destroy());

  it('a statement run again on one connection is parsed once: its connection lists it as prepared, by name', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const answers = [];
      for (const n of [1, 2, 3]) answers.push(await preparedQuery<{ doubled: number }>(runner.manager, twice, [n]));
      expect(answers.map(([row]) => row.doubled)).toEqual([2, 4, 6]);
      const prepared: { name: string }[] = await runner.query('SELECT name FROM pg_prepared_statements WHERE statement = $1', [twice]);
      expect(prepared).toHaveLength(1);
      expect(prepared[0].name).toMatch(/^s_[0-9a-f]{24}$/);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('outside a transaction each statement gives its connection back, failed or not: a pool of one serves one after another', async () => {
    for (const n of [1, 2, 3]) {
      const [row] = await preparedQuery<{ doubled: number }>(dataSource.manager, twice, [n]);
      expect(row.doubled).toBe(n * 2);
      await expect(preparedQuery(dataSource.manager, 'SELECT 1 / $1::int AS quotient', [0])).rejects.toThrow('division by zero');
    }
  });

  it('a statement whose result a migration changed runs again prepared afresh: at once outside a transaction, in the next one inside', async () => {
    // A table of this connection's own (the pool has one): rental's user may not create real ones.
    const read = 'SELECT code FROM prepared_probe';
    await dataSource.query('CREATE TEMP TABLE prepared_probe (code varchar(10))');
    try {
      await dataSource.query(`INSERT INTO prepared_probe VALUES ('A1')`);
      expect(await preparedQuery(dataSource.manager, read, [])).toEqual([{ code: 'A1' }]);

      await dataSource.query('ALTER TABLE prepared_probe ALTER COLUMN code TYPE varchar(20)');
      expect(await preparedQuery(dataSource.manager, read, [])).toEqual([{ code: 'A1' }]);

      await dataSource.query('ALTER TABLE prepared_probe ALTER COLUMN code TYPE varchar(30)');
      const inTransaction = () => dataSource.transaction((manager) => preparedQuery(manager, read, []));
      await expect(inTransaction()).rejects.toThrow('cached plan must not change result type');
      expect(await inTransaction()).toEqual([{ code: 'A1' }]);
    } finally {
      await dataSource.query('DROP TABLE prepared_probe');
    }
  });

  it('a key that refuses a row fails the statement as a QueryFailedError that isUniqueViolation recognises', () =>
    expectSecondInsertRefused(dataSource, 'INSERT INTO inbox_message (message_id, type) VALUES ($1, $2) RETURNING message_id'));
});

/**
 * On MariaDB the same function sends an ordinary query on mysql2's connection, past TypeORM's
 * query runner (assign's e2e database, as assign's own user): in the transaction's connection,
 * the connection back in the pool outside one, and errors as TypeORM reports them.
 */
describe('hot-path statements on MariaDB', () => {
  const dataSource = new DataSource({
    type: 'mariadb',
    url: E2E_DATABASES.assign.replace(/^mariadb:/, 'mysql:'),
    extra: { connectionLimit: 1 },
  });
  const insert = 'INSERT INTO inbox_message (message_id, type) VALUES (?, ?)';

  beforeAll(() => dataSource.initialize());
  afterAll(() => dataSource.destroy());

  it('runs in the transaction of the manager it is given: what it wrote is gone after the rollback', async () => {
    const id = randomUUID();
    await rolledBack(dataSource, async (manager) => {
      await preparedQuery(manager, insert, [id, 'PreparedStatementTest']);
      expect(await preparedQuery(manager, 'SELECT message_id AS id FROM inbox_message WHERE message_id = ?', [id])).toEqual([{ id }]);
    });
    expect(await preparedQuery(dataSource.manager, 'SELECT message_id FROM inbox_message WHERE message_id = ?', [id])).toEqual([]);
  });

  it('outside a transaction each statement gives its connection back, failed or not: a pool of one serves one after another', async () => {
    for (const n of [1, 2, 3]) {
      const [row] = await preparedQuery<{ doubled: number }>(dataSource.manager, 'SELECT ? * 2 AS doubled', [n]);
      expect(Number(row.doubled)).toBe(n * 2);
      await expect(preparedQuery(dataSource.manager, 'SELECT no_such_column FROM inbox_message', [])).rejects.toThrow(QueryFailedError);
    }
  });

  it('a key that refuses a row fails the statement as a QueryFailedError that isUniqueViolation recognises', () =>
    expectSecondInsertRefused(dataSource, insert));
});

/** Runs `work` in a transaction of its own, rolled back afterwards whatever happened. */
async function rolledBack(dataSource: DataSource, work: (manager: EntityManager) => Promise<void>): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await work(runner.manager);
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

/** The same inbox row inserted twice: the second statement fails as isUniqueViolation recognises. */
function expectSecondInsertRefused(dataSource: DataSource, insert: string): Promise<void> {
  const id = randomUUID();
  return rolledBack(dataSource, async (manager) => {
    await preparedQuery(manager, insert, [id, 'PreparedStatementTest']);
    const error: unknown = await preparedQuery(manager, insert, [id, 'PreparedStatementTest']).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });
}
