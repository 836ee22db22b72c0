import { ALL_EVENTS, EventType, PUBLICATIONS, STORAGE_SIZES, SUBSCRIPTIONS, RentalRequested, StorageAssigned } from '@app/contracts';
import { CORRELATION_HEADER } from '@app/correlation';
import { IsString, registerDecorator } from 'class-validator';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { asyncApiDocument, asyncApiYaml, eventFileOf, jsonSchemaOf, messageIdOf, operationIdOf } from './asyncapi';
import { BrokerConfig } from './broker.config';
import { TRACEPARENT_HEADER } from './publish-options';
import { queuesOf } from './queues';

type App = keyof typeof SUBSCRIPTIONS;
const APPS = Object.keys(SUBSCRIPTIONS) as App[];
const document = asyncApiDocument();
const operations = Object.entries(document.operations);
const schemaOf = (event: EventType) =>
  document.components.schemas[messageIdOf(event)] as { required: string[]; properties: Record<string, unknown> };
const messageOf = (event: EventType) =>
  document.components.messages[messageIdOf(event)] as {
    headers: { required: string[]; properties: Record<string, unknown> };
    payload: { allOf: { properties?: unknown }[] };
  };

/** What a local `$ref` ('#/a/b') points to in the document, or undefined. */
const resolve = (ref: string): unknown =>
  ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);

describe('the AsyncAPI document of the events', () => {
  it('has a channel for every event an app publishes or consumes, its address the routing key, on the topic exchange', () => {
    const events = new Set([...Object.values(PUBLICATIONS).flat(), ...Object.values(SUBSCRIPTIONS).flat()]);
    for (const event of events) {
      const channel = document.channels[event.routingKey];
      expect([event.type, channel?.address]).toEqual([event.type, event.routingKey]);
      expect(channel.bindings).toEqual({
        amqp: expect.objectContaining({ is: 'routingKey', exchange: { name: new BrokerConfig().AMQP_EXCHANGE, type: 'topic' } }),
      });
    }
    expect(Object.keys(document.channels).sort()).toEqual(ALL_EVENTS.map((event) => event.routingKey).sort());
  });

  it.each(ALL_EVENTS.map((event) => [event.routingKey, event]))('%s: its only sender is its publisher in PUBLICATIONS', (_key, event) => {
    const senders = operations.filter(([, op]) => op.action === 'send' && op.channel.$ref === `#/channels/${event.routingKey}`);
    const publishers = APPS.filter((app) => PUBLICATIONS[app].includes(event));
    expect(publishers).toHaveLength(1);
    expect(senders.map(([id]) => id)).toEqual([operationIdOf(publishers[0], 'send', event)]);
  });

  it.each(ALL_EVENTS.map((event) => [event.routingKey, event]))(
    '%s: each subscriber in SUBSCRIPTIONS receives it, named',
    (_key, event) => {
      const receivers = operations.filter(([, op]) => op.action === 'receive' && op.channel.$ref === `#/channels/${event.routingKey}`);
      const subscribers = APPS.filter((app) => SUBSCRIPTIONS[app].includes(event));
      expect(receivers.map(([id]) => id).sort()).toEqual(subscribers.map((app) => operationIdOf(app, 'receive', event)).sort());
      for (const app of subscribers)
        expect(document.operations[operationIdOf(app, 'receive', event)].summary).toContain(queuesOf(app).events);
    },
  );

  it('names operations by app, action and routing key', () => {
    expect(operationIdOf('manage', 'receive', StorageAssigned)).toBe('manage.receive.storage.assigned.v1');
    expect(document.operations['assign.send.storage.assigned.v1']).toBeDefined();
  });

  it('marks the required fields of an event class as required, with formats and enums from its decorators', () => {
    const rental = schemaOf(RentalRequested);
    expect(rental.required).toEqual(expect.arrayContaining(['rentalId', 'size', 'startDate', 'costCents']));
    expect(rental.properties.rentalId).toEqual({ type: 'string', format: 'uuid' });
    expect(rental.properties.startDate).toEqual({ type: 'string', format: 'date' });
    expect(rental.properties.size).toEqual({ type: 'string', enum: [...STORAGE_SIZES] });
    expect(rental.properties.costCents).toEqual({ type: 'integer', minimum: 0 });
    expect([...schemaOf(StorageAssigned).required].sort()).toEqual(['rentalId', 'unitCode']);
  });

  it('describes the envelope, causationId optional, and wraps each payload in it with its type and version', () => {
    const envelope = document.components.schemas.EventEnvelope as {
      required: string[];
      properties: Record<string, { description?: string }>;
    };
    expect([...envelope.required].sort()).toEqual(['correlationId', 'id', 'occurredAt', 'payload', 'type', 'version']);
    for (const field of [...envelope.required, 'causationId'])
      expect([field, envelope.properties[field]?.description]).toEqual([field, expect.any(String)]);
    expect(messageOf(StorageAssigned).payload.allOf[1].properties).toEqual({
      type: { const: 'StorageAssigned' },
      version: { const: 1 },
      payload: { $ref: '#/components/schemas/StorageAssigned.v1' },
    });
  });

  it('lists the headers BrokerConnection.publish sets, the correlation id required', () => {
    const { headers } = messageOf(StorageAssigned);
    expect(Object.keys(headers.properties)).toEqual([CORRELATION_HEADER, TRACEPARENT_HEADER]);
    expect(headers.required).toEqual([CORRELATION_HEADER]);
  });

  it('has every local $ref point at something', () => {
    const refs = [...asyncApiYaml().matchAll(/\$ref: "(#[^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(ALL_EVENTS.length);
    for (const ref of refs) expect([ref, resolve(ref) !== undefined]).toEqual([ref, true]);
  });

  it('points each channel at the file that defines its event', () => {
    for (const event of ALL_EVENTS)
      expect([event.type, existsSync(join(__dirname, '../../..', eventFileOf(event)))]).toEqual([event.type, true]);
  });

  it('is the same document as YAML', () => {
    expect(parse(asyncApiYaml())).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('refuses a decorator it has no JSON Schema for, rather than leave the field unconstrained', () => {
    class WithShoeSize {
      @IsString()
      @((target: object, propertyName: string | symbol) =>
        registerDecorator({
          name: 'isShoeSize',
          target: target.constructor,
          propertyName: String(propertyName),
          validator: { validate: () => true },
        }))
      size!: string;
    }
    expect(() => jsonSchemaOf(WithShoeSize)).toThrow('no JSON Schema for @isShoeSize on WithShoeSize.size');
  });
});
