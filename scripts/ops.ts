/**
 * Operator commands, run against the same services the apps use (same environment variables):
 *
 *   npm run ops -- queues                              each app's events, retry and dead-letter queues: depth and consumers
 *   npm run ops -- story <rentalId | correlationId>    one rental's whole story, app by app
 *   npm run ops -- dead-letters list <app>             (see README, "Dead letters")
 *   npm run ops -- dead-letters redrive <app> [--id <messageId>]
 *
 * Compiled into the ops image (its main.js: `node main.js story <id>`), which runs them inside the
 * cluster (docs/operations.md, "Ops commands inside the cluster").
 */
import { BrokerConfig, checkQueueAlone, systemTopology } from '@app/messaging';
import { InvalidConfigError, validateConfig } from '@app/platform';
import { connect } from 'amqplib';
import { createConnection } from 'mysql2/promise';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { AssignConfig } from '../apps/assign/src/assign.config';
import { ManageConfig } from '../apps/manage/src/manage.config';
import { RentalConfig } from '../apps/rental/src/rental.config';
import { ViewConfig } from '../apps/view/src/view.config';
import { exitOnDeadLettersError, runDeadLetters } from './dead-letters';

const USAGE = 'usage: ops queues | ops story <rentalId|correlationId> | ops dead-letters list|redrive <app> [--id <messageId>]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function queues(): Promise<void> {
  const config = validateConfig(BrokerConfig)(process.env);
  const retry = { firstDelayMs: config.AMQP_RETRY_DELAY_MS, maxAttempts: config.AMQP_MAX_ATTEMPTS };
  const connection = await connect(config.AMQP_URL);
  try {
    console.log(`${'queue'.padEnd(24)} ${'messages'.padStart(8)} ${'consumers'.padStart(9)}`);
    // Exactly what db:setup declares, with the settings this runs with.
    for (const { name: queue } of systemTopology(config.AMQP_EXCHANGE, retry).queues) {
      const found = await checkQueueAlone(connection, queue);
      const [messages, consumers] = found ? [found.messageCount, found.consumerCount] : ['missing', ''];
      console.log(`${queue.padEnd(24)} ${String(messages).padStart(8)} ${String(consumers).padStart(9)}`);
    }
  } finally {
    await connection.close();
  }
}

async function postgres<T>(url: string, sql: string, params: unknown[]): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function mariadb<T>(url: string, sql: string, params: unknown[]): Promise<T[]> {
  const connection = await createConnection({ uri: url.replace(/^mariadb:/, 'mysql:'), dateStrings: true });
  try {
    return (await connection.query(sql, params))[0] as T[];
  } finally {
    await connection.end();
  }
}

/** Reads each app's own database: the one place where the rental's state in every app can be seen together. */
async function story(id: string): Promise<void> {
  const urls = {
    rental: validateConfig(RentalConfig)(process.env).RENTAL_DATABASE_URL,
    manage: validateConfig(ManageConfig)(process.env).MANAGE_DATABASE_URL,
    assign: validateConfig(AssignConfig)(process.env).ASSIGN_DATABASE_URL,
    view: validateConfig(ViewConfig)(process.env).VIEW_DATABASE_URL,
  };
  const rentalIds = UUID.test(id)
    ? [id]
    : (
        await postgres<{ rental_id: string }>(urls.view, 'SELECT DISTINCT rental_id FROM rental_view_event WHERE correlation_id = $1', [id])
      ).map((r) => r.rental_id);
  if (rentalIds.length === 0) throw new Error(`no rental has correlation id ${id}`);
  for (const rentalId of rentalIds) {
    const [rental] = await postgres<Record<string, unknown>>(
      urls.rental,
      'SELECT status, customer_id, location, size, start_date, end_date, unit_code, reason, created_at FROM rental WHERE id = $1',
      [rentalId],
    );
    const [allocation] = await postgres<Record<string, unknown>>(
      urls.manage,
      'SELECT status, unit_code, reason, updated_at FROM allocation WHERE rental_id = $1',
      [rentalId],
    );
    const [assignment] = await mariadb<Record<string, unknown>>(
      urls.assign,
      'SELECT status, unit_code, reason, updated_at FROM assignment WHERE rental_id = ?',
      [rentalId],
    );
    const [view] = await postgres<Record<string, unknown>>(
      urls.view,
      'SELECT status, unit_code, reason FROM rental_view WHERE rental_id = $1',
      [rentalId],
    );
    const history = await postgres<{ type: string; occurred_at: Date; correlation_id: string }>(
      urls.view,
      'SELECT type, occurred_at, correlation_id FROM rental_view_event WHERE rental_id = $1 ORDER BY occurred_at, message_id',
      [rentalId],
    );
    console.log(`rental ${rentalId}`);
    console.log(`  rental      ${describe(rental)}`);
    console.log(`  manage      ${describe(allocation)}`);
    console.log(`  assign      ${describe(assignment)}`);
    console.log(`  view        ${describe(view)}`);
    for (const event of history)
      console.log(`  ${event.occurred_at.toISOString()}  ${event.type.padEnd(20)} correlation ${event.correlation_id}`);
  }
}

function describe(row: Record<string, unknown> | undefined): string {
  if (!row) return '(nothing)';
  return Object.entries(row)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key}=${value instanceof Date ? value.toISOString() : String(value)}`)
    .join(' ');
}

async function main(args: string[]): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const [command, ...rest] = args;
  if (command === 'dead-letters') return runDeadLetters(rest).catch(exitOnDeadLettersError);
  if (command === 'queues' && rest.length === 0) return queues();
  if (command === 'story' && rest.length === 1) return story(rest[0]);
  console.error(`ops: ${USAGE}`);
  process.exit(2);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`ops: ${error instanceof InvalidConfigError || error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
