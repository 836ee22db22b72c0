import type { SUBSCRIPTIONS } from '@app/contracts';

/**
 * The apps with a queue, as SUBSCRIPTIONS lists them (topology.spec.ts checks): each has its broker
 * user, its queues and its own moves exchange. No runtime import, so that the test harness's global
 * setup, which has no path aliases, can use it.
 */
export const BROKER_APPS = ['rental', 'manage', 'assign', 'view'] as const satisfies readonly (keyof typeof SUBSCRIPTIONS)[];
export type BrokerApp = (typeof BROKER_APPS)[number];

/** Where db:setup reads an app's broker URL (its own user and password), and the launchers give it to the app as AMQP_URL. */
export function brokerUrlVariableOf(app: BrokerApp): string {
  return `${app.toUpperCase()}_AMQP_URL`;
}

/**
 * What a launcher (start:all, the tests, the bench) adds to an app's environment: the app's own
 * broker account as its AMQP_URL, when the environment names one; AMQP_URL itself stays the
 * administrator's, for the ops tools.
 */
export function brokerAccountOf(app: string, env: Record<string, string | undefined>): { AMQP_URL?: string } {
  const own = (BROKER_APPS as readonly string[]).includes(app) ? env[brokerUrlVariableOf(app as BrokerApp)] : undefined;
  return own ? { AMQP_URL: own } : {};
}
