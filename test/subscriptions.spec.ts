import { ALL_EVENTS, EventType, PUBLICATIONS, SUBSCRIPTIONS } from '@app/contracts';
import { HANDLED_EVENT } from '@app/messaging';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AllocationsConsumer } from '../apps/manage/src/allocations/allocations.consumer';
import { AssignmentsConsumer } from '../apps/assign/src/assignments/assignments.consumer';
import { RentalsConsumer } from '../apps/rental/src/rentals/rentals.consumer';
import { RentalViewsConsumer } from '../apps/view/src/rental-views/rental-views.consumer';

/** The routing keys an app's consumer handles, read from its @HandlesEvent metadata. */
function handledRoutingKeys(consumer: new (...args: never[]) => object): string[] {
  const prototype = consumer.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype)
    .flatMap((name) => (Reflect.getMetadata(HANDLED_EVENT, prototype[name] as object) as EventType | undefined)?.routingKey ?? [])
    .sort();
}

describe('SUBSCRIPTIONS', () => {
  it.each([
    ['rental', RentalsConsumer],
    ['manage', AllocationsConsumer],
    ['assign', AssignmentsConsumer],
    ['view', RentalViewsConsumer],
  ] as const)('lists exactly the events %s handles, so its bindings exist before it first starts', (app, consumer) => {
    expect(handledRoutingKeys(consumer)).toEqual(SUBSCRIPTIONS[app].map((event) => event.routingKey).sort());
  });

  it('gives every event at least one subscriber: publishes are mandatory, and one no queue takes would hold up its relay', () => {
    const subscribed = new Set(Object.values(SUBSCRIPTIONS).flatMap((events) => events.map((event) => event.routingKey)));
    expect(ALL_EVENTS.map((event) => event.routingKey).filter((key) => !subscribed.has(key))).toEqual([]);
  });
});

/** The event classes an app's source hands to its outbox (`outbox.add(X, …)`, `outbox.row(X, …)`). */
function publishedTypes(app: string): string[] {
  const dir = join(__dirname, '..', 'apps', app, 'src');
  const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => readFileSync(join(dir, file), 'utf8'));
  return [...new Set(sources.flatMap((source) => [...source.matchAll(/outbox\.(?:add|row)\(\s*(\w+)/g)].map((m) => m[1])))].sort();
}

describe('PUBLICATIONS', () => {
  it.each(Object.keys(PUBLICATIONS) as (keyof typeof PUBLICATIONS)[])(
    'lists exactly the events %s writes to its outbox: its broker user may publish only those',
    (app) => {
      expect(publishedTypes(app)).toEqual(PUBLICATIONS[app].map((event) => event.type).sort());
    },
  );

  it('gives every event exactly one publisher', () => {
    const publishers = ALL_EVENTS.map((event) => [
      event.type,
      Object.entries(PUBLICATIONS)
        .filter(([, events]) => events.includes(event))
        .map(([app]) => app),
    ]);
    expect(publishers.filter(([, apps]) => apps.length !== 1)).toEqual([]);
  });
});
