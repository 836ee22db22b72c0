/**
 * Looks at and re-drives an app's dead letters (`<app>.dead`).
 *
 *   npm run dead-letters -- list <app>                      one line per dead letter, then a count
 *   npm run dead-letters -- redrive <app> [--id <messageId>] back to <app>.events, all or just one
 *
 * Reads AMQP_URL like the apps do (environment, a `.env` file, then the defaults). Nothing is ever
 * lost: `list` takes the messages unacknowledged and puts every one back; `redrive` acknowledges a
 * dead copy only once the broker has confirmed the copy in `<app>.events`.
 */
import { ATTEMPT_HEADER, BrokerConfig, DEAD_LETTER_REASON_HEADER, ORIGINAL_ROUTING_KEY_HEADER, queuesOf } from '@app/messaging';
import { InvalidConfigError, validateConfig } from '@app/platform';
import { ChannelModel, ConfirmChannel, GetMessage, connect } from 'amqplib';
import { existsSync } from 'node:fs';

const APPS = ['rental', 'manage', 'assign', 'view'];
const USAGE = 'usage: dead-letters list <app> | dead-letters redrive <app> [--id <messageId>]; <app> is one of ' + APPS.join('|');
const CONNECT_TIMEOUT_MS = 5000;
const CONFIRM_TIMEOUT_MS = 10_000;

class UsageError extends Error {}
class CommandError extends Error {}

type Command = { name: 'list'; app: string } | { name: 'redrive'; app: string; id?: string };

function parseArgs(args: string[]): Command {
  const [name, app, ...rest] = args;
  if (name !== 'list' && name !== 'redrive') throw new UsageError(name ? `unknown command "${name}"` : 'no command given');
  if (!app) throw new UsageError('no app given');
  if (!APPS.includes(app)) throw new UsageError(`unknown app "${app}"`);
  if (name === 'list') {
    if (rest.length > 0) throw new UsageError(`list takes no options, got "${rest.join(' ')}"`);
    return { name, app };
  }
  let id: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--id' && rest[i + 1] && !rest[i + 1].startsWith('--')) id = rest[++i];
    else if (arg.startsWith('--id=') && arg.length > 5) id = arg.slice(5);
    else throw new UsageError(arg === '--id' ? '--id needs a message id' : `unknown option "${arg}"`);
  }
  return { name, app, id };
}

/** The broker URL without its password, for messages. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable AMQP_URL)';
  }
}

async function open(url: string): Promise<ChannelModel> {
  try {
    const connection = await connect(url, { timeout: CONNECT_TIMEOUT_MS });
    // Without a listener a broker-side close would crash us with an unhandled 'error' event; the
    // failing call reports it instead.
    connection.on('error', () => undefined);
    return connection;
  } catch (error) {
    // amqplib drops the broker's reason when it refuses the vhost during the handshake.
    const hint = /ConnectionClose/.test(messageOf(error))
      ? ' (the broker closed the connection: does the vhost exist, may this user use it?)'
      : '';
    throw new CommandError(`cannot reach the broker at ${safeUrl(url)}: ${messageOf(error)}${hint}`);
  }
}

/** checkQueue on a missing queue closes the channel; say which queue instead of a 404 frame. */
async function countMessages(connection: ChannelModel, queue: string): Promise<number> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } catch (error) {
    throw new CommandError(`queue ${queue} does not exist on the broker (has the app ever started against it?): ${messageOf(error)}`);
  } finally {
    await channel.close().catch(() => undefined);
  }
}

interface XDeath {
  count?: number;
  reason?: string;
  queue?: string;
  'routing-keys'?: string[];
}

interface DeadLetter {
  id: string;
  type: string;
  routingKey: string;
  reason: string;
  count: number;
}

/** What an operator needs to know about one dead letter, from its headers and, if it is one, its envelope. */
function describeDeadLetter(message: GetMessage, app: string): DeadLetter {
  const headers = message.properties.headers ?? {};
  const envelope = parseEnvelope(message.content);
  const deaths = (Array.isArray(headers['x-death']) ? headers['x-death'] : []) as XDeath[];
  // The newest rejection by our events queue is the one that put it here (x-death is newest first).
  const death = deaths.find((d) => d.queue === queuesOf(app).events && d.reason === 'rejected') ?? deaths[0];
  const ours = typeof headers[DEAD_LETTER_REASON_HEADER] === 'string';

  let type = typeof message.properties.type === 'string' ? message.properties.type : '(unknown)';
  if (typeof envelope?.type === 'string') type = `${envelope.type}(v${String(envelope.version)})`;
  else if (!envelope) type = `${type}, not a JSON envelope`;

  return {
    id: String(message.properties.messageId ?? (typeof envelope?.id === 'string' ? envelope.id : '(no id)')),
    type,
    routingKey: String(headers[ORIGINAL_ROUTING_KEY_HEADER] ?? death?.['routing-keys']?.[0] ?? message.fields.routingKey),
    reason: ours ? String(headers[DEAD_LETTER_REASON_HEADER]) : death ? brokerReason(death, app) : '(no reason recorded)',
    // Our copies carry the attempt that failed last; the broker's, how often it dead-lettered it.
    count: ours ? Number(headers[ATTEMPT_HEADER] ?? 1) : Number(death?.count ?? 1),
  };
}

/** The consumer rejects (without requeue) exactly the messages it has no handler for; say so. */
function brokerReason(death: XDeath, app: string): string {
  const reason = `${death.reason ?? 'dead-lettered'} by ${death.queue ?? 'the broker'}`;
  return death.reason === 'rejected' && death.queue === queuesOf(app).events
    ? `${reason} (no handler: not JSON, or an unknown type or version)`
    : reason;
}

function parseEnvelope(content: Buffer): { id?: unknown; type?: unknown; version?: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(content.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function format(letter: DeadLetter): string {
  return `id=${letter.id} type=${letter.type} key=${letter.routingKey} count=${letter.count} reason=${letter.reason}`;
}

/**
 * Takes every message currently in the dead queue without acknowledging it, prints it, then
 * returns them all at once: a requeued message goes back to its place in the queue.
 */
async function list(connection: ChannelModel, app: string): Promise<void> {
  const { dead } = queuesOf(app);
  const available = await countMessages(connection, dead);
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  const letters: DeadLetter[] = [];
  try {
    // Bounded by the count seen first, so that letters arriving meanwhile cannot keep us here.
    while (letters.length < available) {
      const message = await channel.get(dead, { noAck: false });
      if (!message) break;
      letters.push(describeDeadLetter(message, app));
    }
  } finally {
    returnAll(channel);
    await channel.close().catch(() => undefined);
  }
  for (const letter of letters) console.log(format(letter));
  console.log(`${letters.length} dead letter(s) in ${dead}`);
}

/**
 * Moves dead letters (all, or those with the id) to the events queue. Each is published on a
 * confirm channel with its original properties minus the attempt counter, and its dead copy is
 * acknowledged only after the broker confirmed the new one; the others are put back untouched.
 * A crash in between leaves a copy in both queues, which the consumer's inbox absorbs.
 */
async function redrive(connection: ChannelModel, app: string, id: string | undefined): Promise<void> {
  const { dead, events } = queuesOf(app);
  await countMessages(connection, events);
  const available = await countMessages(connection, dead);
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => undefined);
  let returned = false;
  channel.on('return', () => (returned = true));
  let seen = 0;
  const moved: DeadLetter[] = [];
  try {
    // Bounded by the count seen first: a re-driven message that fails again comes back behind them.
    while (seen < available) {
      const message = await channel.get(dead, { noAck: false });
      if (!message) break;
      seen += 1;
      const letter = describeDeadLetter(message, app);
      if (id !== undefined && letter.id !== id) continue;
      returned = false;
      await publishConfirmed(channel, events, message);
      // The broker sends a return before the confirm of the same message.
      if (returned) throw new CommandError(`${events} did not take message ${letter.id}; it stays in ${dead}`);
      channel.ack(message);
      moved.push(letter);
      console.log(`re-drove ${format(letter)}`);
    }
  } finally {
    returnAll(channel);
    await channel.close().catch(() => undefined);
  }
  if (id !== undefined && moved.length === 0) throw new CommandError(`no dead letter with id ${id} in ${dead} (${seen} looked at)`);
  console.log(`Re-drove ${moved.length} of ${seen} dead letter(s) from ${dead} to ${events}; ${seen - moved.length} left in ${dead}`);
}

function publishConfirmed(channel: ConfirmChannel, queue: string, message: GetMessage): Promise<void> {
  const { headers = {}, ...properties } = message.properties;
  const rest = { ...headers };
  delete rest[ATTEMPT_HEADER];
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CommandError(`the broker did not confirm within ${CONFIRM_TIMEOUT_MS} ms`)),
      CONFIRM_TIMEOUT_MS,
    );
    channel.sendToQueue(queue, message.content, { ...properties, headers: rest, persistent: true, mandatory: true }, (error) => {
      clearTimeout(timer);
      if (error) reject(new CommandError(`the broker refused the copy for ${queue}: ${messageOf(error)}`));
      else resolve();
    });
  });
}

/** Requeues whatever this channel still holds unacknowledged; closing the channel would too. */
function returnAll(channel: { nackAll(requeue?: boolean): void }): void {
  try {
    channel.nackAll(true);
  } catch {
    // The channel is closed already, and the broker has requeued them itself.
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** The command itself, for `npm run dead-letters` and `npm run ops -- dead-letters`. */
export async function runDeadLetters(args: string[]): Promise<void> {
  const command = parseArgs(args);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { AMQP_URL } = validateConfig(BrokerConfig)(process.env);
  const connection = await open(AMQP_URL);
  try {
    if (command.name === 'list') await list(connection, command.app);
    else await redrive(connection, command.app, command.id);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Prints the one line the failure deserves and exits: 2 for a usage error, 1 for anything else. */
export function exitOnDeadLettersError(error: unknown): never {
  if (error instanceof UsageError) {
    console.error(`dead-letters: ${error.message}; ${USAGE}`);
    process.exit(2);
  }
  if (error instanceof InvalidConfigError || error instanceof CommandError) console.error(`dead-letters: ${error.message}`);
  else console.error(`dead-letters failed: ${messageOf(error)}`);
  process.exit(1);
}

if (require.main === module) runDeadLetters(process.argv.slice(2)).catch(exitOnDeadLettersError);
