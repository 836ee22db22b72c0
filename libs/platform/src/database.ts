import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { ConfigService } from '@nestjs/config';
import { Logger } from '@nestjs/common';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DataSource, DataSourceOptions, EntityManager, MixedList, QueryFailedError, Logger as TypeOrmLogger } from 'typeorm';
import { CommonConfig } from './config';

type EntityList = MixedList<string | Function>; // eslint-disable-line @typescript-eslint/no-unsafe-function-type

const databaseQueries = new Counter({
  name: 'database_queries_total',
  help: 'Statements the app sent to its database, transaction control included: each is one round trip',
});

/**
 * Counts every statement TypeORM sends and writes its warnings to the app's log (pino's JSON lines
 * in the apps). A failed statement is not written: whoever ran it handles the error (a 409, a
 * retried lock, a logged failure), and its parameters can hold a phone number.
 */
class DatabaseLogger implements TypeOrmLogger {
  private readonly logger = new Logger('TypeORM');

  logQuery(): void {
    databaseQueries.inc();
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}

/** Settings of every app with a database (each app with a queue has one: its outbox and inbox). */
export class DatabaseConfig extends CommonConfig {
  /**
   * Whether the app applies its pending migrations as it starts, under the migration lock. Off where
   * db:setup migrates before the apps (the Kubernetes Job, compose's db-setup): there readiness
   * stays 503 until the migrations this code needs are applied.
   */
  @IsIn(['true', 'false'])
  MIGRATE_AT_START: 'true' | 'false' = 'true';

  /**
   * Most connections one process holds to its database. Replicas × this, summed over the apps of
   * one server, must stay below its max_connections (the manifests' test checks their maximum replicas).
   */
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE: number = 20;
}

/** What an app's database settings say about its connection: read from its validated config. */
export interface DatabaseSettings {
  migrateAtStart: boolean;
  poolSize: number;
}

export function databaseSettingsOf(config: ConfigService<DatabaseConfig, true>): DatabaseSettings {
  return {
    migrateAtStart: config.get('MIGRATE_AT_START', { infer: true }) === 'true',
    poolSize: config.get('DATABASE_POOL_SIZE', { infer: true }),
  };
}

/**
 * TypeORM options for one app's database, picked by the URL's scheme: postgres:// or mysql:// (MariaDB).
 * Entities and migrations are listed as classes: what runs is what the code imports, no file glob.
 */
export function databaseOptions(
  url: string,
  entities: EntityList,
  migrations: EntityList,
  { migrateAtStart, poolSize }: DatabaseSettings = { migrateAtStart: false, poolSize: new DatabaseConfig().DATABASE_POOL_SIZE },
): TypeOrmModuleOptions {
  const common = {
    entities,
    migrations,
    // Whether to migrate at start; migratedDataSource() does it, under a lock: TypeORM's own run takes none.
    migrationsRun: migrateAtStart,
    synchronize: false,
    logger: new DatabaseLogger(),
  };
  if (/^(mysql|mariadb):/.test(url)) {
    // 'mariadb', not 'mysql': with 'mysql' TypeORM may emit MySQL-8-only SQL that MariaDB rejects.
    // trace: false, or mysql2 captures a stack trace for every statement in case it fails (7% of
    // assign's busy time); TypeORM's QueryFailedError carries the caller's stack anyway.
    return {
      ...common,
      type: 'mariadb',
      url: url.replace(/^mariadb:/, 'mysql:'),
      timezone: 'Z',
      trace: false,
      extra: { connectionLimit: poolSize },
    };
  }
  return { ...common, type: 'postgres', url, extra: { max: poolSize } };
}

/** The name of the database lock that lets one process at a time migrate a database. */
const MIGRATION_LOCK = 'storage-rental-migrations';
/** How long MariaDB waits for it; PostgreSQL's advisory lock waits as long as it takes. */
const MIGRATION_LOCK_WAIT_S = 600;

/**
 * Applies the pending migrations while holding a database lock (pg_advisory_lock, MariaDB
 * GET_LOCK), so that processes starting together on one database take turns: the first migrates,
 * the others then find nothing left to do. Without it, two would both create the same tables and
 * one would crash. Returns the migrations this call applied.
 */
export async function migrateUnderLock(dataSource: DataSource) {
  const postgres = dataSource.options.type === 'postgres';
  // Both locks belong to a session: taken and released on one connection of our own.
  const session = dataSource.createQueryRunner();
  await session.connect();
  try {
    const [{ locked }] = await session.query(
      postgres
        ? 'SELECT pg_advisory_lock(hashtext($1)) IS NOT NULL AS locked'
        : `SELECT GET_LOCK(?, ${MIGRATION_LOCK_WAIT_S}) = 1 AS locked`,
      [MIGRATION_LOCK],
    );
    // MariaDB answers 0 after the wait, and NULL (not "forever") to a negative one.
    if (!locked) throw new Error(`Another process held the migration lock for over ${MIGRATION_LOCK_WAIT_S} s`);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await session.query(postgres ? 'SELECT pg_advisory_unlock(hashtext($1))' : 'SELECT RELEASE_LOCK(?)', [MIGRATION_LOCK]);
    }
  } finally {
    await session.release();
  }
}

/**
 * The migrations this code knows that the database has not applied (all of them while it has no
 * migrations table). Read-only: TypeORM's showMigrations() would create the table, racing db:setup.
 */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  let applied: { name: string }[] = [];
  try {
    applied = await dataSource.query(`SELECT name FROM ${dataSource.options.migrationsTableName ?? 'migrations'}`);
  } catch {
    // no migrations table yet: nothing is applied
  }
  const done = new Set(applied.map((row) => row.name));
  return dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name).filter((name) => !done.has(name));
}

/** For TypeOrmModule's dataSourceFactory: the app's DataSource, connected, and migrated under the lock if its options say so. */
export async function migratedDataSource(options?: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource({ ...options!, migrationsRun: false }).initialize();
  if (options!.migrationsRun) await migrateUnderLock(dataSource);
  return dataSource;
}

/** Each statement's name on every connection: derived from its text, so two texts never share one. */
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `s_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * How many times a connection's prepared statements were given up: after a migration changed what
 * one returns, PostgreSQL refuses to run it on that connection again, so the connection prepares
 * its statements afresh under new names (the old ones go with the connection).
 */
const statementGenerations = new WeakMap<PoolClient, number>();

/** PostgreSQL's answer to a prepared statement whose result columns a migration changed (SQLSTATE 0A000). */
function isPlanInvalidated(error: unknown): boolean {
  return (error as { code?: string }).code === '0A000' && /cached plan must not change result type/.test(String(error));
}

/**
 * Runs a hot-path statement on `manager`'s connection (its transaction's, if it has one).
 *
 * On PostgreSQL as a named prepared statement: each connection parses it once, and after five runs
 * PostgreSQL may keep one plan, where an unnamed statement is parsed and planned on every call
 * (planning was about 40% of these statements' time in pg_stat_statements, docs/benchmarks.md).
 * `text` must name its result columns (no `*`). When a migration has changed their types, the
 * statement fails once on each connection, which then prepares it again; outside a transaction it
 * is run again at once, inside one the transaction fails (a consumer's is retried).
 *
 * On MariaDB as an ordinary query (MariaDB plans a prepared statement again on every run), sent on
 * mysql2's connection itself: TypeORM's query runner broadcast two events and ran a require() for
 * every statement (about a tenth of assign's CPU in a perf profile, docs/benchmarks.md).
 */
export async function preparedQuery<T>(manager: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const postgres = manager.connection.options.type === 'postgres';
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    // Not wrapped, as in TypeORM: a connection that cannot be had is not a failed statement.
    const connection: unknown = await runner.connect();
    if (!postgres) return await executeOnMariaDb<T>(connection as MariaDbConnection, text, values);
    const client = connection as PoolClient;
    try {
      return await execute<T>(client, text, values);
    } catch (error) {
      // Outside a transaction the failed statement changed nothing: run it again, prepared afresh.
      if (manager.queryRunner || !isPlanInvalidated((error as QueryFailedError).driverError)) throw error;
      return await execute<T>(client, text, values);
    }
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}

/** The part of mysql2's pool connection (callback API) that a statement needs. */
interface MariaDbConnection {
  query(sql: string, values: unknown[], callback: (error: Error | null, result: unknown) => void): void;
}

function executeOnMariaDb<T>(connection: MariaDbConnection, text: string, values: unknown[]): Promise<T[]> {
  databaseQueries.inc();
  return new Promise((resolve, reject) =>
    connection.query(text, values, (error, result) =>
      // As TypeORM's own query() reports it, so that isUniqueViolation and the like still apply.
      error ? reject(new QueryFailedError(text, values, error)) : resolve(result as T[]),
    ),
  );
}

async function execute<T>(client: PoolClient, text: string, values: unknown[]): Promise<T[]> {
  databaseQueries.inc();
  const generation = statementGenerations.get(client) ?? 0;
  const name = generation === 0 ? statementName(text) : `${statementName(text)}_${generation}`;
  try {
    return (await client.query<T & object>({ name, text, values })).rows;
  } catch (error) {
    if (isPlanInvalidated(error)) statementGenerations.set(client, generation + 1);
    // As TypeORM's own query() reports it, so that isUniqueViolation and the like still apply.
    throw new QueryFailedError(text, values, error as Error);
  }
}

/** A unique or primary key refused the row: how we detect a duplicate without check-then-act. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: string }).code;
  return code === '23505' || code === 'ER_DUP_ENTRY';
}

/**
 * The isolation level a transaction must ask for, to run at READ COMMITTED everywhere:
 * PostgreSQL's default, so nothing (asking would cost a round trip per transaction); MariaDB's
 * default is REPEATABLE READ, and READ COMMITTED is what lets a statement after a row lock see
 * what the previous lock holder committed.
 */
export function readCommitted(database: 'postgres' | 'mariadb'): 'READ COMMITTED' | undefined {
  return database === 'mariadb' ? 'READ COMMITTED' : undefined;
}

/**
 * Lets services reach the current transaction through nestjs-cls (TransactionHost), so that an
 * HTTP use case and a message handler write their change, outbox and inbox rows in one transaction.
 */
export function transactionalPlugin(database: 'postgres' | 'mariadb' = 'postgres'): ClsPluginTransactional {
  return new ClsPluginTransactional({
    imports: [TypeOrmModule],
    adapter: new TransactionalAdapterTypeOrm({
      dataSourceToken: DataSource,
      defaultTxOptions: { isolationLevel: readCommitted(database) },
    }),
  });
}
