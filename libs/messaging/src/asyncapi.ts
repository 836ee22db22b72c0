import { ALL_EVENTS, EventEnvelope, EventEnvelopeDto, EventType, IS_CALENDAR_DATE, PUBLICATIONS, SUBSCRIPTIONS } from '@app/contracts';
import { CORRELATION_HEADER } from '@app/correlation';
import { MIN, ValidationTypes } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import { stringify } from 'yaml';
import { BrokerConfig } from './broker.config';
import { EVENT_PUBLISH_OPTIONS, TRACEPARENT_HEADER } from './publish-options';
import { queuesOf } from './queues';
import { systemTopology } from './topology';

type Json = Record<string, unknown>;
type App = keyof typeof SUBSCRIPTIONS;
type Converters = NonNullable<Parameters<typeof targetConstructorToSchema>[1]>['additionalConverters'];

/** The top of an AsyncAPI 3.0.0 document; asyncapi.spec.ts reads the parts below. */
export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description: string; license: { name: string } };
  defaultContentType: string;
  servers: Record<string, Json>;
  channels: Record<string, { address: string; description: string; messages: Record<string, { $ref: string }>; bindings: Json }>;
  operations: Record<
    string,
    { action: 'send' | 'receive'; channel: { $ref: string }; summary: string; messages: { $ref: string }[]; bindings?: Json }
  >;
  components: { schemas: Record<string, Json>; messages: Record<string, Json> };
}

const SERVER = 'rabbitmq';
const AMQP_BINDING_VERSION = '0.3.0';
const ENVELOPE_SCHEMA = 'EventEnvelope';

/** What each envelope field means; typed by the envelope, so a field added there must be described here. */
const ENVELOPE_FIELDS: Record<keyof EventEnvelope, string> = {
  id: 'A UUID, new for each event; also the AMQP messageId. Consumers deduplicate on it (their inbox).',
  type: "The event's type, as in the routing key: StorageAssigned for storage.assigned.v1.",
  version: "The event's version, as in the routing key; a breaking change gets a new one.",
  occurredAt: 'ISO 8601 time the event was written (to the outbox, with the change it reports).',
  correlationId: `The request's correlation id, or the handled message's; a new UUID when there is none. Also the ${CORRELATION_HEADER} header.`,
  causationId: 'The id of the message whose handling emitted this one; absent when an HTTP request did.',
  payload: "The event's fields: the event's own schema.",
};

/**
 * class-validator decorators as JSON Schema (class-validator-jsonschema, plus our own decorators).
 * A decorator it has no converter for throws here instead of leaving its field unconstrained.
 */
const CONVERTERS: Converters = {
  [IS_CALENDAR_DATE]: { type: 'string', format: 'date' },
  // The type comes from @IsInt or @IsNumber: the library's `number` would override `integer`.
  [MIN]: (meta) => ({ minimum: meta.constraints[0] as number }),
  [ValidationTypes.CUSTOM_VALIDATION]: (meta) => {
    throw new Error(
      `no JSON Schema for @${meta.type} on ${(meta.target as { name?: string }).name}.${meta.propertyName}: add one to asyncapi.ts`,
    );
  },
};

/** The JSON Schema of a class's fields, from its class-validator decorators: required unless @IsOptional. */
export function jsonSchemaOf(target: new () => object): Json {
  return targetConstructorToSchema(target, { additionalConverters: CONVERTERS }) as Json;
}

/** `StorageAssigned.v1`: names the event's message and payload schema, so that two versions can sit side by side. */
export function messageIdOf(event: EventType): string {
  return `${event.type}.v${event.version}`;
}

/** `manage.receive.storage.assigned.v1`: an app, what it does, and the event. */
export function operationIdOf(app: App, action: 'send' | 'receive', event: EventType): string {
  return `${app}.${action}.${event.routingKey}`;
}

/** The apps that `table` (PUBLICATIONS or SUBSCRIPTIONS) lists for an event. */
function appsOf(table: Record<App, EventType[]>, event: EventType): App[] {
  return (Object.keys(table) as App[]).filter((app) => table[app].includes(event));
}

/** `libs/contracts/src/events/storage-assigned.event.ts`: one file per event, named after its type. */
export function eventFileOf(event: EventType): string {
  const name = event.type.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return `libs/contracts/src/events/${name}.event.ts`;
}

/**
 * The events as an AsyncAPI 3.0.0 document, built from libs/contracts (the event classes, PUBLICATIONS,
 * SUBSCRIPTIONS) and the broker facts of this lib: the exchange (AMQP_EXCHANGE's default), the
 * queues, the properties and headers BrokerConnection.publish sets. api/asyncapi.yaml is its YAML
 * (asyncApiYaml), and the gateway serves it.
 */
export function asyncApiDocument(): AsyncApiDocument {
  const broker = new BrokerConfig();
  const topology = systemTopology(broker.AMQP_EXCHANGE, {
    firstDelayMs: broker.AMQP_RETRY_DELAY_MS,
    maxAttempts: broker.AMQP_MAX_ATTEMPTS,
  });
  const exchange = topology.exchanges.find(({ name }) => name === broker.AMQP_EXCHANGE)!;
  const envelope = jsonSchemaOf(EventEnvelopeDto);
  const envelopeFields = envelope.properties as Record<keyof EventEnvelope, Json>;
  for (const [field, description] of Object.entries(ENVELOPE_FIELDS))
    envelopeFields[field as keyof EventEnvelope].description = description;

  const document: AsyncApiDocument = {
    asyncapi: '3.0.0',
    info: {
      title: 'Storage rental events',
      version: '1',
      description: [
        'The events the apps publish and consume over RabbitMQ, generated from libs/contracts (`npm run api:asyncapi`).',
        `Every event goes to the topic exchange \`${exchange.name}\` (AMQP_EXCHANGE) with its routing key, which carries its type and version.`,
        "The body is a JSON envelope around the event's payload; consumers validate both and dead-letter what fails.",
      ].join(' '),
      license: { name: 'MIT' },
    },
    defaultContentType: EVENT_PUBLISH_OPTIONS.contentType,
    servers: {
      [SERVER]: {
        host: 'rabbitmq:5672',
        protocol: 'amqp',
        protocolVersion: '0.9.1',
        description: "A placeholder: each app connects to its AMQP_URL, as its own broker user, who may publish only the app's own events.",
        security: [{ type: 'userPassword', description: 'Each app has its own broker user (db:setup creates them).' }],
      },
    },
    channels: {},
    operations: {},
    components: { schemas: { [ENVELOPE_SCHEMA]: envelope }, messages: {} },
  };

  for (const event of ALL_EVENTS) {
    const id = messageIdOf(event);
    const channel = event.routingKey;
    const publishers = appsOf(PUBLICATIONS, event);
    const subscribers = appsOf(SUBSCRIPTIONS, event);
    document.components.schemas[id] = jsonSchemaOf(event);
    document.components.messages[id] = message(event, id, publishers, subscribers);
    document.channels[channel] = {
      address: event.routingKey,
      description: `${event.type} version ${event.version}, defined in ${eventFileOf(event)}.`,
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
      bindings: {
        amqp: { is: 'routingKey', exchange: { name: exchange.name, type: exchange.type }, bindingVersion: AMQP_BINDING_VERSION },
      },
    };
    const ref = { channel: { $ref: `#/channels/${channel}` }, messages: [{ $ref: `#/channels/${channel}/messages/${id}` }] };
    for (const app of publishers) {
      document.operations[operationIdOf(app, 'send', event)] = {
        action: 'send',
        ...ref,
        summary: `${app} publishes ${event.type} v${event.version} through its outbox.`,
        bindings: {
          amqp: {
            deliveryMode: EVENT_PUBLISH_OPTIONS.persistent ? 2 : 1,
            mandatory: EVENT_PUBLISH_OPTIONS.mandatory,
            bindingVersion: AMQP_BINDING_VERSION,
          },
        },
      };
    }
    for (const app of subscribers) {
      document.operations[operationIdOf(app, 'receive', event)] = {
        action: 'receive',
        ...ref,
        summary: `${app} receives ${event.type} v${event.version} from its queue ${queuesOf(app).events}.`,
      };
    }
  }
  return document;
}

function message(event: EventType, id: string, publishers: App[], subscribers: App[]): Json {
  return {
    name: event.type,
    title: `${event.type} v${event.version}`,
    summary: `From ${publishers.join(', ') || 'no app'} to ${subscribers.join(', ') || 'no app'}.`,
    description: `AMQP properties: messageId is the envelope's id, type is \`${event.type}\`, contentType ${EVENT_PUBLISH_OPTIONS.contentType}.`,
    contentType: EVENT_PUBLISH_OPTIONS.contentType,
    headers: {
      type: 'object',
      required: [CORRELATION_HEADER],
      properties: {
        [CORRELATION_HEADER]: { type: 'string', description: "The envelope's correlationId." },
        [TRACEPARENT_HEADER]: {
          type: 'string',
          description: 'The W3C trace context of the transaction that wrote the event, when tracing is on.',
        },
      },
    },
    correlationId: {
      description: "The request's correlation id, carried from event to event.",
      location: `$message.header#/${CORRELATION_HEADER}`,
    },
    payload: {
      allOf: [
        { $ref: `#/components/schemas/${ENVELOPE_SCHEMA}` },
        {
          type: 'object',
          properties: {
            type: { const: event.type },
            version: { const: event.version },
            payload: { $ref: `#/components/schemas/${id}` },
          },
        },
      ],
    },
    bindings: { amqp: { messageType: event.type, bindingVersion: AMQP_BINDING_VERSION } },
  };
}

/** The document as YAML: what api/asyncapi.yaml holds and GET /docs-asyncapi answers. */
export function asyncApiYaml(): string {
  return stringify(asyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });
}
