/**
 * Where the e2e tests run the system: the same local services as development, but their own
 * databases (*_e2e), their own RabbitMQ vhost and their own ports, so a running development
 * system is neither disturbed nor read.
 */
import { BROKER_APPS, brokerUrlVariableOf } from '../libs/messaging/src/broker-accounts';

// E2E_SLOT=n gives a second test run on this machine its own ports, databases and vhost.
const SLOT = Number(process.env.E2E_SLOT ?? 0);
const SUFFIX = SLOT === 0 ? '' : String(SLOT);

export const E2E_VHOST = `storage-rental-e2e${SUFFIX}`;

export type AppName = 'gateway' | 'rental' | 'manage' | 'assign' | 'view';
export const APPS: AppName[] = ['gateway', 'rental', 'manage', 'assign', 'view'];

const BASE = 18000 + SLOT * 1000;
export const PORTS: Record<AppName, number> = {
  gateway: BASE + 88,
  rental: BASE + 81,
  manage: BASE + 82,
  assign: BASE + 83,
  view: BASE + 84,
};

/** Ports for extra processes a test starts itself (a second assign, a spare gateway, a fake upstream). */
export const SPARE_PORTS = [BASE + 91, BASE + 92, BASE + 93, BASE + 94, BASE + 95];

export const E2E_DATABASES = {
  rental: `postgres://rental@127.0.0.1:5432/rental_e2e${SUFFIX}`,
  manage: `postgres://manage@127.0.0.1:5432/manage_e2e${SUFFIX}`,
  view: `postgres://view@127.0.0.1:5432/view_e2e${SUFFIX}`,
  assign: `mysql://assign@127.0.0.1:3306/assign_e2e${SUFFIX}`,
};

/**
 * The servers' administrators, for what only they may do: drop the e2e databases, read InnoDB's
 * status. db:setup's defaults are the same; the apps never connect as them.
 */
export const ADMIN_DATABASES = {
  postgres: 'postgres://postgres@127.0.0.1:5432/postgres',
  mariadb: 'mysql://root@127.0.0.1:3306/',
};

/** The tests sign their own tokens with it (test/tokens.ts); the apps check them with it. */
export const E2E_JWT_SECRET = 'e2e-only-jwt-secret-0123456789-abcdefghijklmnop';

/** What rental signs its calls to manage with, and what the tests sign them with (test/tokens.ts). */
export const E2E_SERVICE_TOKEN_SECRET = 'e2e-only-service-token-secret-0123456789-abcdefgh';

export const E2E_ENV: Record<string, string> = {
  JWT_SECRET: E2E_JWT_SECRET,
  SERVICE_TOKEN_SECRET: E2E_SERVICE_TOKEN_SECRET,
  // Tests flood the gateway on purpose; the security suite starts a gateway with a low limit of its own.
  RATE_LIMIT_MAX: '1000000',
  HOST: '127.0.0.1',
  GATEWAY_PORT: String(PORTS.gateway),
  RENTAL_PORT: String(PORTS.rental),
  MANAGE_PORT: String(PORTS.manage),
  ASSIGN_PORT: String(PORTS.assign),
  VIEW_PORT: String(PORTS.view),
  RENTAL_URL: `http://127.0.0.1:${PORTS.rental}`,
  MANAGE_URL: `http://127.0.0.1:${PORTS.manage}`,
  ASSIGN_URL: `http://127.0.0.1:${PORTS.assign}`,
  VIEW_URL: `http://127.0.0.1:${PORTS.view}`,
  RENTAL_DATABASE_URL: E2E_DATABASES.rental,
  MANAGE_DATABASE_URL: E2E_DATABASES.manage,
  VIEW_DATABASE_URL: E2E_DATABASES.view,
  ASSIGN_DATABASE_URL: E2E_DATABASES.assign,
  // The tests' own and the ops tools': an administrator. Each app gets its own account (brokerEnvOf).
  AMQP_URL: `amqp://guest:guest@127.0.0.1:5672/${E2E_VHOST}`,
  // Each app's broker account, made by db:setup; e2e names of their own, so that a development
  // db:setup does not change their passwords.
  ...Object.fromEntries(
    BROKER_APPS.map((app) => [brokerUrlVariableOf(app), `amqp://e2e${SUFFIX}-${app}:e2e-${app}-broker@127.0.0.1:5672/${E2E_VHOST}`]),
  ),
  SHUTDOWN_DRAIN_MS: '300',
  OUTBOX_POLL_MS: '200',
  AMQP_RETRY_DELAY_MS: '200',
  LOG_FORMAT: 'json',
};
