import { OutboxRepository } from '@app/messaging';
import { readCommitted } from '@app/platform';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { E2E_DATABASES } from './e2e-env';

const PASSES = 150;
const BATCH = 10;

/** MariaDB's answer when InnoDB broke a deadlock: the relay retries such a pass (docs/reliability.md, known defect). */
const isDeadlock = (error: unknown) => (error as { driverError?: { errno?: number } }).driverError?.errno === 1213;

/**
 * Two replicas' relays on one outbox, as the apps' own users, while a third connection keeps
 * writing events: each pass locks a batch, waits a moment as for the broker's confirms, marks it
 * published and commits, as OutboxRelay.publishBatch does. The lock makes them take turns: between
 * them they publish every event, and none twice.
 */
describe.each([
  ['PostgreSQL', 'postgres', E2E_DATABASES.rental],
  ['MariaDB', 'mariadb', E2E_DATABASES.assign],
] as const)('two outbox relays on one %s outbox', (_, database, url) => {
  const connect = () =>
    new DataSource(database === 'postgres' ? { type: 'postgres', url } : { type: 'mariadb', url, timezone: 'Z' }).initialize();
  const type = `RelayTest-${randomUUID().slice(0, 8)}`;
  let sources: DataSource[] = [];

  /** Events other suites left unpublished: the relays here publish them too, and afterAll puts them back. */
  let othersUnpublished: string[] = [];
  const placeholder = database === 'postgres' ? '$1' : '?';

  beforeAll(async () => {
    sources = await Promise.all([connect(), connect(), connect()]);
    const rows: { message_id: string }[] = await sources[2].query('SELECT message_id FROM outbox_message WHERE published_at IS NULL');
    othersUnpublished = rows.map((row) => row.message_id);
  });

  afterAll(async () => {
    await sources[2]?.query(`DELETE FROM outbox_message WHERE type = ${placeholder}`, [type]);
    for (const messageId of othersUnpublished) {
      await sources[2]?.query(`UPDATE outbox_message SET published_at = NULL WHERE message_id = ${placeholder}`, [messageId]);
    }
    await Promise.all(sources.map((source) => source.destroy()));
  });

  it('take turns: every event is published, none by both', async () => {
    const [relays, writer] = [sources.slice(0, 2), sources[2]];
    const written: string[] = [];
    const published: string[] = [];
    const failures: string[] = [];
    let writing = true;

    const write = async () => {
      const outbox = new OutboxRepository(writer);
      while (writing) {
        const messageId = randomUUID();
        await outbox.insert(writer.manager, {
          messageId,
          traceContext: null,
          type,
          routingKey: 'relay.test',
          correlationId: messageId,
          body: '{}',
        });
        written.push(messageId);
      }
    };
    /** One relay pass; how many events it published. */
    const pass = async (source: DataSource): Promise<number> => {
      const outbox = new OutboxRepository(source);
      const work = async (manager: EntityManager) => {
        const batch = await outbox.lockUnpublished(manager, BATCH);
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (batch.length > 0)
          await outbox.markPublished(
            manager,
            batch.map((event) => event.position),
            new Date(),
          );
        return batch;
      };
      try {
        const isolation = readCommitted(database);
        const batch = await (isolation ? source.transaction(isolation, work) : source.transaction(work));
        // Counted once committed: a pass that rolled back published nothing for good.
        published.push(...batch.filter((event) => event.type === type).map((event) => event.messageId));
        return batch.length;
      } catch (error) {
        if (!isDeadlock(error)) failures.push((error as Error).message);
        return 0;
      }
    };
    const relay = async (source: DataSource) => {
      for (let n = 0; n < PASSES; n++) await pass(source);
    };

    const writing$ = write();
    await Promise.all(relays.map(relay));
    writing = false;
    await writing$;
    while ((await pass(relays[0])) > 0); // what was written after the last passes

    expect(failures).toEqual([]);
    expect(published.length).toBe(new Set(published).size);
    expect(new Set(published)).toEqual(new Set(written));
  });
});
