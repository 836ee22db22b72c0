/**
 * What cannot run on this machine (no Docker engine, no cluster, no hosted CI) is parsed and checked
 * here: the Kubernetes overlays (rendered by `kubectl kustomize`, validated against the Kubernetes
 * JSON schemas of kubernetes-models), deploy/docker-compose.yml (against the compose-spec schema),
 * the Dockerfile (dockerfile-utils) and the CI workflow. Everything is compared with what the apps
 * really do: the variables their config classes validate, the paths their health controller serves,
 * the port their main.ts listens on.
 */
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { BROKER_APPS, BrokerConfig, brokerUrlVariableOf, queuesOf } from '@app/messaging';
import { AuthConfig, DatabaseConfig, HealthModule, RentalTermsConfig, ServiceTokenConfig, validateConfig } from '@app/platform';
import { MetricsController } from '../libs/platform/src/metrics/metrics.controller';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchemaProblems } from './compose-schema';
import {
  admits,
  closed,
  connectionBudget,
  dataServers,
  isOperatorResource,
  operatorAdministrator,
  operatorSchemaProblems,
  operatorSecretNames,
  type Pod,
  policyTypes,
  render,
  selects,
  text,
} from './data-plane';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { DockerfileParser } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { DB_SETUP_ENTRY, OPS_ENTRY, appEntry } from '../scripts/build-output';
import { DbSetupConfig } from '../scripts/db-setup.config';
import { pinRelease } from '../scripts/pin-release';
import { AssignConfig } from '../apps/assign/src/assign.config';
import { GatewayConfig } from '../apps/gateway/src/gateway.config';
import { ManageConfig } from '../apps/manage/src/manage.config';
import { RentalConfig } from '../apps/rental/src/rental.config';
import { ViewConfig } from '../apps/view/src/view.config';
import { HealthController } from '../libs/platform/src/health/health.controller';
import { proxyRoutes } from '../apps/gateway/src/proxy-routes';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const PACKAGE = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

type Config = Record<string, unknown>;
type ConfigClass = new () => object;
/** Each app's own config class, and its root module (loaded in beforeAll below: loading validates process.env). */
const APPS: Record<string, { config: ConfigClass; loadModule: () => Promise<object> }> = {
  gateway: { config: GatewayConfig, loadModule: async () => (await import('../apps/gateway/src/gateway.module')).GatewayModule },
  rental: { config: RentalConfig, loadModule: async () => (await import('../apps/rental/src/rental.module')).RentalModule },
  manage: { config: ManageConfig, loadModule: async () => (await import('../apps/manage/src/manage.module')).ManageModule },
  assign: { config: AssignConfig, loadModule: async () => (await import('../apps/assign/src/assign.module')).AssignModule },
  view: { config: ViewConfig, loadModule: async () => (await import('../apps/view/src/view.module')).ViewModule },
};
const APP_NAMES = Object.keys(APPS);
/** The image that creates the databases and runs the migrations (nest project "db-setup"). */
const DB_SETUP = 'db-setup';
/** The operators' image and toolbox (scripts/ops.ts; the CronJob ops, from which they start a Job). */
const OPS = 'ops';
const INFRA = ['postgres', 'mariadb', 'rabbitmq'];
/** Scaled by KEDA on the depth of their events queue and on CPU (a ScaledObject each); the others by a CPU HPA. */
const QUEUE_SCALED = ['manage', 'assign', 'view'];

/** The config classes an app's main.ts may validate at start, by name. */
const CONFIG_CLASSES: Record<string, ConfigClass> = {
  ...Object.fromEntries(APP_NAMES.map((app) => [APPS[app].config.name, APPS[app].config])),
  AuthConfig,
  ServiceTokenConfig,
  RentalTermsConfig,
};
/** The apps that call each other, rental → manage: they also validate the key of their service tokens. */
const SERVICE_CALLERS = ['rental', 'manage'];
/** The apps that price a rental: rental for an application, assign for the quote of its availability. */
const RENTAL_PRICERS = ['rental', 'assign'];
/** The config classes an app validates at start, read from its main.ts: `exitOnInvalidConfig(XConfig, AuthConfig)`. */
function configClassesOf(app: string): ConfigClass[] {
  const match = /exitOnInvalidConfig\(([\w\s,]+)\)/.exec(read(`apps/${app}/src/main.ts`));
  if (!match) throw new Error(`apps/${app}/src/main.ts: no exitOnInvalidConfig(<config classes>)`);
  return match[1]
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => {
      if (!CONFIG_CLASSES[name]) throw new Error(`apps/${app}/src/main.ts validates ${name}, which this test does not know`);
      return CONFIG_CLASSES[name];
    });
}
/** The config classes the ops commands validate, read from scripts/ops.ts and the dead-letters.ts it runs: `validateConfig(XConfig)`. */
function opsConfigClasses(): ConfigClass[] {
  const known: Record<string, ConfigClass> = { ...CONFIG_CLASSES, BrokerConfig };
  const sources = ['scripts/ops.ts', 'scripts/dead-letters.ts'].map(read).join('\n');
  const names = new Set([...sources.matchAll(/validateConfig\((\w+)\)/g)].map((match) => match[1]));
  return [...names].map((name) => {
    if (!known[name]) throw new Error(`scripts/ops.ts validates ${name}, which this test does not know`);
    return known[name];
  });
}
/** What the app does at start with an environment: throws, naming each bad variable. */
const validateApp = (app: string, env: Record<string, string>) => validateConfig(...configClassesOf(app))(env);
/**
 * Every variable an app validates at start: the fields of its config classes. AuthConfig's fields
 * have no default, and are own properties (set to undefined) of a new instance all the same.
 */
const variablesOf = (app: string) => configClassesOf(app).flatMap((configClass) => Object.keys(new configClass()));
const defaultsOf = (app: string) => Object.assign({}, ...configClassesOf(app).map((configClass) => new configClass())) as Config;

/**
 * Bearer tokens: the variables of each way of checking them (AuthConfig, no defaults; the two ways
 * exclude each other), and the way each overlay uses. Development signs HS256 with a shared key;
 * production checks RS256 against the issuer's keys and pins the issuer and audience.
 */
const AUTH_MODES = { hs256: ['JWT_SECRET'], jwks: ['JWT_JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE'] } as const;
type AuthMode = keyof typeof AUTH_MODES;
const OVERLAY_AUTH: Record<string, AuthMode> = { dev: 'hs256', production: 'jwks' };
const AUTH_VARIABLES: string[] = Object.values(AUTH_MODES).flat();
/** The development key of .env.example (what `npm run token` signs with), which the dev setups share. */
const DEV_JWT_SECRET = /^JWT_SECRET=(.+)$/m.exec(read('.env.example'))?.[1];
const DEV_SERVICE_TOKEN_SECRET = /^SERVICE_TOKEN_SECRET=(.+)$/m.exec(read('.env.example'))?.[1];
/**
 * The variables an environment for the given way of checking tokens must name: every variable outside
 * AuthConfig (nothing is left to the code's defaults), and that way's; never the other way's.
 */
const requiredVariablesOf = (app: string, mode: AuthMode) =>
  variablesOf(app).filter((name) => (AUTH_VARIABLES.includes(name) ? (AUTH_MODES[mode] as readonly string[]).includes(name) : true));

/** Variables whose value carries credentials (a database or broker URL): they belong in the Secret. */
const isCredentialUrl = (value: unknown) => typeof value === 'string' && /^(postgres(ql)?|mysql|mariadb|amqps?):\/\//.test(value);
/** Names that say a value is secret (JWT_SECRET): it belongs in the Secret, never in the ConfigMap. */
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|CREDENTIAL|_KEY$/;
const SECRET_VARIABLES = new Set(
  APP_NAMES.flatMap((app) =>
    Object.entries(defaultsOf(app))
      .filter(([k, v]) => isCredentialUrl(v) || SECRET_NAME.test(k))
      .map(([k]) => k),
  ),
);

/**
 * The apps' root modules. Loading one runs its ConfigModule.forRoot, which validates process.env on
 * the spot, and AuthConfig has no defaults: load them with the development key set and no
 * JWT_JWKS_URL, as a development environment has it.
 */
const MODULES: Record<string, object> = {};
beforeAll(async () => {
  const saved = {
    JWT_SECRET: process.env.JWT_SECRET,
    JWT_JWKS_URL: process.env.JWT_JWKS_URL,
    SERVICE_TOKEN_SECRET: process.env.SERVICE_TOKEN_SECRET,
  };
  process.env.JWT_SECRET = DEV_JWT_SECRET;
  process.env.SERVICE_TOKEN_SECRET = DEV_SERVICE_TOKEN_SECRET;
  delete process.env.JWT_JWKS_URL;
  try {
    for (const app of APP_NAMES) MODULES[app] = await APPS[app].loadModule();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

/** The variable each app's main.ts passes to listen(): its port. */
function portVariableOf(app: string): string {
  const match = /\.listen\(\s*config\.(\w+)/.exec(read(`apps/${app}/src/main.ts`));
  if (!match) throw new Error(`apps/${app}/src/main.ts: no app.listen(config.<PORT>, …)`);
  return match[1];
}

/** GET paths the shared health controller serves, each with the handler that answers it. */
function healthRoutes(): Map<string, string> {
  const prefix = Reflect.getMetadata(PATH_METADATA, HealthController) as string;
  const routes = new Map<string, string>();
  const proto = HealthController.prototype as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const handler = proto[name];
    if (name === 'constructor' || typeof handler !== 'function') continue;
    const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
    if (paths === undefined || Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.GET) continue;
    for (const path of [paths].flat()) routes.set(`/${[prefix, path].filter(Boolean).join('/')}`, name);
  }
  return routes;
}
const HEALTH = healthRoutes();

function nestApplications(): string[] {
  const projects = JSON.parse(read('nest-cli.json')).projects as Record<string, { type: string }>;
  return Object.entries(projects)
    .filter(([, p]) => p.type === 'application')
    .map(([name]) => name)
    .sort();
}
/** What the Dockerfile builds an image of (APP=…): each nest application, db-setup and ops. */
const IMAGES = [...nestApplications(), DB_SETUP, OPS].sort();

describe('the configuration every app validates at start', () => {
  it.each(APP_NAMES)(
    '%s: its own config class and AuthConfig, ServiceTokenConfig if it calls or is called by another app, RentalTermsConfig if it prices rentals (main.ts)',
    (app) => {
      const serviceIdentity = SERVICE_CALLERS.includes(app) ? [ServiceTokenConfig] : [];
      const terms = RENTAL_PRICERS.includes(app) ? [RentalTermsConfig] : [];
      expect(configClassesOf(app)).toEqual([APPS[app].config, AuthConfig, ...serviceIdentity, ...terms]);
      expect(variablesOf(app)).toEqual(expect.arrayContaining(AUTH_VARIABLES));
    },
  );

  it("knows each of AuthConfig's variables as part of one way of checking tokens; JWT_SECRET is a secret", () => {
    expect([...AUTH_VARIABLES].sort()).toEqual(Object.keys(new AuthConfig()).sort());
    expect(SECRET_VARIABLES.has('JWT_SECRET')).toBe(true);
    for (const name of AUTH_MODES.jwks) expect([name, SECRET_VARIABLES.has(name)]).toEqual([name, false]);
    expect(DEV_JWT_SECRET?.length).toBeGreaterThanOrEqual(32);
  });

  it.each(APP_NAMES)('%s: refuses to start with neither way of checking tokens, and with both', (app) => {
    const service: Record<string, string> = SERVICE_CALLERS.includes(app) ? { SERVICE_TOKEN_SECRET: DEV_SERVICE_TOKEN_SECRET! } : {};
    expect(() => validateApp(app, service)).toThrow(/JWT_SECRET/);
    expect(() => validateApp(app, { ...service, JWT_SECRET: DEV_JWT_SECRET!, JWT_JWKS_URL: 'https://auth.example.com/jwks.json' })).toThrow(
      /JWT_JWKS_URL/,
    );
    expect(() => validateApp(app, { ...service, JWT_SECRET: DEV_JWT_SECRET! })).not.toThrow();
    expect(() => validateApp(app, { ...service, JWT_JWKS_URL: 'https://auth.example.com/jwks.json' })).not.toThrow();
  });

  it.each(SERVICE_CALLERS)('%s: refuses to start without its own SERVICE_TOKEN_SECRET, or with the JWT_SECRET as one', (app) => {
    expect(SECRET_VARIABLES.has('SERVICE_TOKEN_SECRET')).toBe(true);
    expect(() => validateApp(app, { JWT_SECRET: DEV_JWT_SECRET! })).toThrow(/SERVICE_TOKEN_SECRET must be set/);
    expect(() => validateApp(app, { JWT_SECRET: DEV_JWT_SECRET!, SERVICE_TOKEN_SECRET: DEV_JWT_SECRET! })).toThrow(
      /SERVICE_TOKEN_SECRET must differ from JWT_SECRET/,
    );
  });
});

describe('the health routes the probes and health checks use', () => {
  it('are /health/live (liveness) and /health/ready = /health (readiness), served at the root: no global prefix', () => {
    expect(Object.fromEntries(HEALTH)).toEqual({ '/health/live': 'live', '/health': 'ready', '/health/ready': 'ready' });
    const sources = ['apps', 'libs'].flatMap((dir) =>
      readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
        .filter((f) => f.isFile() && f.name.endsWith('.ts') && readFileSync(join(f.parentPath, f.name), 'utf8').includes('setGlobalPrefix'))
        .map((f) => join(f.parentPath, f.name)),
    );
    expect(sources).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
};
const K8S_DIR = join(ROOT, 'deploy/k8s');
const OVERLAYS = readdirSync(join(K8S_DIR, 'overlays'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
  .map((d) => d.name);

/** The Kubernetes API versions we deploy with, each with its kubernetes-models classes (JSON schemas). */
const MODELS: Record<string, Record<string, any>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'batch/v1': batchV1,
  'autoscaling/v2': autoscalingV2,
  'policy/v1': policyV1,
  'networking.k8s.io/v1': networkingV1,
};

/**
 * KEDA's resources, which kubernetes-models does not have: the fields of KEDA 2's ScaledObject and
 * TriggerAuthentication, and of the rabbitmq and cpu triggers, that these manifests may use
 * (keda.sh/docs/2.16: reference/scaledobject-spec, scalers/rabbitmq-queue, scalers/cpu). Every object
 * is closed, as schemaProblems makes the others: a misspelt field fails, and so does a deprecated
 * one (the rabbitmq trigger's `queueLength`, the cpu trigger's `metadata.type`).
 */
const KEDA_API_VERSION = 'keda.sh/v1alpha1';
const KEDA_SCHEMAS: Record<string, object> = (() => {
  const count = { type: 'integer', minimum: 0 };
  // KEDA reads every trigger's metadata as strings.
  const number = { type: 'string', pattern: '^\\d+(\\.\\d+)?$' };
  const flag = { enum: ['true', 'false'] };
  const strings = { type: 'object', additionalProperties: { type: 'string' } };
  const header = (kind: string) => ({
    apiVersion: { const: KEDA_API_VERSION },
    kind: { const: kind },
    metadata: closed({ name: text, namespace: text, labels: strings, annotations: strings }, ['name']),
  });
  const scalingRules = closed({
    stabilizationWindowSeconds: count,
    selectPolicy: { enum: ['Max', 'Min', 'Disabled'] },
    policies: {
      type: 'array',
      items: closed({ type: { enum: ['Pods', 'Percent'] }, value: count, periodSeconds: count }, ['type', 'value', 'periodSeconds']),
    },
  });
  const trigger = (type: string, fields: Record<string, object>, required: string[] = []) => ({
    if: { type: 'object', properties: { type: { const: type } } },
    then: closed({ type: { const: type }, name: text, useCachedMetrics: { type: 'boolean' }, ...fields }, [
      'type',
      'metadata',
      ...required,
    ]),
  });
  const rabbitmq = trigger('rabbitmq', {
    metricType: { enum: ['AverageValue', 'Value'] },
    authenticationRef: closed({ name: text, kind: { enum: ['TriggerAuthentication', 'ClusterTriggerAuthentication'] } }, ['name']),
    metadata: closed(
      {
        protocol: { enum: ['amqp', 'http', 'auto'] },
        queueName: text,
        mode: { enum: ['QueueLength', 'MessageRate'] },
        value: number,
        activationValue: number,
        vhostName: text,
        useRegex: flag,
        excludeUnacknowledged: flag,
        unsafeSsl: flag,
      },
      ['queueName', 'mode', 'value'],
    ),
  });
  const cpu = trigger(
    'cpu',
    {
      metricType: { enum: ['Utilization', 'AverageValue'] },
      metadata: closed({ value: number, activationValue: number, containerName: text }, ['value']),
    },
    ['metricType'],
  );
  return {
    ScaledObject: closed(
      {
        ...header('ScaledObject'),
        spec: closed(
          {
            scaleTargetRef: closed({ apiVersion: text, kind: text, name: text, envSourceContainerName: text }, ['name']),
            pollingInterval: count,
            cooldownPeriod: count,
            initialCooldownPeriod: count,
            minReplicaCount: count,
            maxReplicaCount: { type: 'integer', minimum: 1 },
            fallback: closed({ failureThreshold: count, replicas: count }, ['failureThreshold', 'replicas']),
            advanced: closed({
              restoreToOriginalReplicaCount: { type: 'boolean' },
              horizontalPodAutoscalerConfig: closed({ name: text, behavior: closed({ scaleUp: scalingRules, scaleDown: scalingRules }) }),
            }),
            triggers: {
              type: 'array',
              minItems: 1,
              items: { type: 'object', required: ['type'], properties: { type: { enum: ['rabbitmq', 'cpu'] } }, allOf: [rabbitmq, cpu] },
            },
          },
          ['scaleTargetRef', 'triggers'],
        ),
      },
      ['apiVersion', 'kind', 'metadata', 'spec'],
    ),
    TriggerAuthentication: closed(
      {
        ...header('TriggerAuthentication'),
        spec: closed(
          {
            secretTargetRef: {
              type: 'array',
              minItems: 1,
              items: closed({ parameter: text, name: text, key: text }, ['parameter', 'name', 'key']),
            },
          },
          ['secretTargetRef'],
        ),
      },
      ['apiVersion', 'kind', 'metadata', 'spec'],
    ),
  };
})();
const KEDA_VALIDATORS = (() => {
  const ajv = new Ajv2019({ allErrors: true });
  return Object.fromEntries(Object.entries(KEDA_SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)]));
})();

/**
 * Validates against the schema and, like `kubectl --validate=strict`, refuses fields the schema does
 * not know (a misspelt `readinesProbe` would otherwise be dropped silently by the API server). The
 * schemas allow unknown fields, so the object is wrapped in proxies that record every property the
 * compiled validator reads: a property it never read is one the schema does not define.
 */
function schemaProblems(obj: K8sObject): string[] {
  const id = `${obj.kind}/${obj.metadata?.name}`;
  if (isOperatorResource(obj)) return operatorSchemaProblems(obj);
  if (obj.apiVersion === KEDA_API_VERSION) {
    const validate = KEDA_VALIDATORS[obj.kind];
    if (!validate) return [`${id}: no schema for ${obj.apiVersion} ${obj.kind}`];
    validate(obj);
    return (validate.errors ?? []).map((e) => `${id}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }
  const model = MODELS[obj.apiVersion]?.[obj.kind];
  if (!model || model.kind !== obj.kind || model.apiVersion !== obj.apiVersion)
    return [`${id}: no schema for ${obj.apiVersion} ${obj.kind}`];
  const nodes = new Map<object, { path: string; read: Set<string>; proxy: object }>();
  const wrap = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    let node = nodes.get(value);
    if (!node) {
      const read = new Set<string>();
      const proxy = new Proxy(value, {
        get(target, key, receiver) {
          const property = Reflect.get(target, key, receiver);
          if (typeof key !== 'string') return property;
          read.add(key);
          return wrap(property, `${path}/${key}`);
        },
      });
      node = { path, read, proxy };
      nodes.set(value, node);
    }
    return node.proxy;
  };
  try {
    model.prototype.validate.call(wrap(obj, ''));
  } catch (error: any) {
    return [`${id}: ${error.message}`];
  }
  return [...nodes.entries()].flatMap(([target, node]) =>
    Array.isArray(target)
      ? []
      : Object.keys(target)
          .filter((key) => !node.read.has(key))
          .map((key) => `${id}: unknown field ${node.path}/${key}`),
  );
}

const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const all = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
function get(objects: K8sObject[], kind: string, name: string): K8sObject {
  const obj = find(objects, kind, name);
  if (!obj) throw new Error(`no ${kind} ${name} in the rendered set`);
  return obj;
}
/** A workload's pod template; a CronJob's is in its jobTemplate. */
const podTemplate = (workload: K8sObject) => (workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec : workload.spec).template;
const podSpec = (workload: K8sObject) => podTemplate(workload).spec;
const mainContainer = (workload: K8sObject) => podSpec(workload).containers[0];
const decode = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

type EnvSource = { value: string; from: 'ConfigMap' | 'Secret' | 'literal' };
/** The environment a container gets, as the kubelet would assemble it, with where each value comes from. */
function containerEnv(objects: K8sObject[], container: any): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef)
      for (const [k, v] of Object.entries(get(objects, 'ConfigMap', from.configMapRef.name).data ?? {}))
        env.set(k, { value: v, from: 'ConfigMap' });
    if (from.secretRef)
      for (const [k, v] of Object.entries(get(objects, 'Secret', from.secretRef.name).data ?? {}))
        env.set(k, { value: decode(v), from: 'Secret' });
  }
  for (const entry of container.env ?? []) {
    const secretRef = entry.valueFrom?.secretKeyRef;
    const configMapRef = entry.valueFrom?.configMapKeyRef;
    if (secretRef) {
      const data = get(objects, 'Secret', secretRef.name).data ?? {};
      if (!(secretRef.key in data))
        throw new Error(`${container.name}: ${entry.name} refers to missing key ${secretRef.key} of Secret ${secretRef.name}`);
      env.set(entry.name, { value: decode(data[secretRef.key]), from: 'Secret' });
    } else if (configMapRef) {
      const data = get(objects, 'ConfigMap', configMapRef.name).data ?? {};
      if (!(configMapRef.key in data))
        throw new Error(`${container.name}: ${entry.name} refers to missing key ${configMapRef.key} of ConfigMap ${configMapRef.name}`);
      env.set(entry.name, { value: data[configMapRef.key], from: 'ConfigMap' });
    } else {
      env.set(entry.name, { value: String(entry.value ?? ''), from: 'literal' });
    }
  }
  return env;
}
const values = (env: Map<string, EnvSource>) => Object.fromEntries([...env].map(([k, s]) => [k, s.value]));

function containerPort(container: any, port: string | number): number | undefined {
  if (typeof port === 'number') return (container.ports ?? []).some((p: any) => p.containerPort === port) ? port : undefined;
  return (container.ports ?? []).find((p: any) => p.name === port)?.containerPort;
}

function quantity(value: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(value));
  if (!match) throw new Error(`not a quantity: ${value}`);
  const factor: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(match[1]) * (match[2] ? factor[match[2]] : 1);
}

/** Seconds a preStop hook holds the container before SIGTERM: `sleep N` (exec) or the sleep action. */
function preStopSeconds(container: any): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command: string[] = preStop?.exec?.command ?? [];
  const match = /^(?:\/bin\/)?sleep$/.test(command[0] ?? '') ? /^\d+$/.exec(command[1] ?? '') : null;
  if (!match) throw new Error(`${container.name}: preStop is not a sleep: ${JSON.stringify(preStop)}`);
  return Number(match[0]);
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * What calls the apps from outside their namespace, where the manifests expect it (deploy/k8s/README.md,
 * "NetworkPolicies"): the ingress controller (ingress-nginx, class nginx; its whole namespace is
 * admitted) and the Prometheus pods of the namespace monitoring.
 */
const INGRESS_CONTROLLER: Pod = {
  namespace: 'ingress-nginx',
  labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
};
const PROMETHEUS: Pod = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
/** KEDA's operator, which reads the queues' depth, with the labels of KEDA's release YAML (its Helm chart adds more). */
const KEDA_OPERATOR: Pod = { namespace: 'keda', labels: { app: 'keda-operator', name: 'keda-operator' } };
/** Who may connect to each app's port: the only entry from outside, and the calls between the apps. */
const ALLOWED_CALLERS: Record<string, string[]> = {
  gateway: ['ingress controller', 'prometheus'],
  rental: ['gateway', 'prometheus'],
  manage: ['gateway', 'rental', 'prometheus'],
  assign: ['gateway', 'prometheus'],
  view: ['gateway', 'prometheus'],
};

/** user, password and the way the server is told them, for each database or broker image we run. */
const SERVER_CREDENTIALS: Record<string, { user: (env: Record<string, string>) => string | undefined; password: string }> = {
  postgres: { user: (env) => env.POSTGRES_USER ?? 'postgres', password: 'POSTGRES_PASSWORD' },
  mariadb: { user: () => 'root', password: 'MARIADB_ROOT_PASSWORD' },
  rabbitmq: { user: (env) => env.RABBITMQ_DEFAULT_USER, password: 'RABBITMQ_DEFAULT_PASS' },
};
/**
 * The account a URL may carry to a database or broker server: db:setup's administrator URLs
 * (`*_ADMIN_URL`) the server's own administrator; an app's database and broker URLs a user of the
 * app's own, named after it (db:setup creates it), never the administrator.
 */
function expectAccount(
  where: string,
  variable: string,
  url: URL,
  administrator: [string | undefined, string | undefined],
  workload: string,
): void {
  const given = [decodeURIComponent(url.username), decodeURIComponent(url.password)];
  // <APP>_DATABASE_URL and <APP>_AMQP_URL name that app's account (OPS_AMQP_URL the operators');
  // an app's AMQP_URL, and the ops toolbox's, its own.
  const app =
    /^([A-Z]+)_(?:DATABASE|AMQP)_URL$/.exec(variable)?.[1].toLowerCase() ??
    (variable === 'AMQP_URL' && [...BROKER_APPS, OPS].includes(workload) ? workload : undefined);
  if (app) {
    expect([where, given[0]]).toEqual([where, app]);
    expect([where, given[0]]).not.toEqual([where, administrator[0]]);
  } else {
    expect([where, ...given]).toEqual([where, ...administrator]);
  }
  expect([where, given[1]]).not.toEqual([where, '']);
}

const imageRepository = (image: string) =>
  image
    .replace(/[:@].*$/, '')
    .split('/')
    .pop()!;

describe.each(OVERLAYS)('deploy/k8s/overlays/%s', (overlay) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = render(`overlays/${overlay}`);
  });
  const deployment = (app: string) => get(objects, 'Deployment', app);
  const appEnv = (app: string) => containerEnv(objects, mainContainer(deployment(app)));
  /** What a Job started from the ops CronJob runs with, and so every `kubectl exec … node main.js` in it. */
  const opsEnv = () => containerEnv(objects, mainContainer(get(objects, 'CronJob', OPS)));
  const hpasOf = (app: string) => all(objects, 'HorizontalPodAutoscaler').filter((h) => h.spec.scaleTargetRef.name === app);
  const scaledObjectsOf = (app: string) => all(objects, 'ScaledObject').filter((s) => s.spec.scaleTargetRef.name === app);
  /** An app's replica bounds: its HPA's, or its ScaledObject's (KEDA's defaults 0 and 100), which KEDA's HPA gets. */
  const replicaBounds = (app: string): { min: number; max: number } => {
    const [hpa] = hpasOf(app);
    if (hpa) return { min: hpa.spec.minReplicas ?? 1, max: hpa.spec.maxReplicas };
    const [scaled] = scaledObjectsOf(app);
    if (!scaled) throw new Error(`neither an HPA nor a ScaledObject scales ${app}`);
    return { min: scaled.spec.minReplicaCount ?? 0, max: scaled.spec.maxReplicaCount ?? 100 };
  };
  /** The broker URLs KEDA reads queue depths with: each TriggerAuthentication's `host`, as [Secret key, URL]. */
  const kedaBrokerUrls = (): [string, string][] =>
    all(objects, 'TriggerAuthentication').flatMap((auth) =>
      auth.spec.secretTargetRef
        .filter((ref: any) => ref.parameter === 'host')
        .map((ref: any) => {
          const data = get(objects, 'Secret', ref.name).data ?? {};
          if (!(ref.key in data)) throw new Error(`TriggerAuthentication ${auth.metadata.name}: no key ${ref.key} in Secret ${ref.name}`);
          return [ref.key, decode(data[ref.key])];
        }),
    );

  it('renders a complete set: per app a Deployment, Service, autoscaler (CPU HPA or KEDA ScaledObject) and PDB; the migration Job, the ops CronJob, ConfigMap, Secret, Ingress, TriggerAuthentication', () => {
    expect(nestApplications()).toEqual([...APP_NAMES].sort());
    expect(
      all(objects, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual([...APP_NAMES].sort());
    for (const app of APP_NAMES) {
      const autoscaler = QUEUE_SCALED.includes(app) ? 'ScaledObject' : 'HorizontalPodAutoscaler';
      for (const kind of ['Service', autoscaler, 'PodDisruptionBudget'])
        expect([kind, find(objects, kind, app)?.metadata.name]).toEqual([kind, app]);
    }
    expect(all(objects, 'Job').map((j) => imageRepository(mainContainer(j).image))).toEqual([DB_SETUP]);
    expect(all(objects, 'CronJob').map((j) => [j.metadata.name, imageRepository(mainContainer(j).image)])).toEqual([[OPS, OPS]]);
    for (const kind of ['Ingress', 'Namespace', 'TriggerAuthentication']) expect([kind, all(objects, kind).length]).toEqual([kind, 1]);
    // The apps' ConfigMap and Secret (names with a content hash), and the same for the Job without one.
    const names = (kind: string) => all(objects, kind).map((o) => o.metadata.name.replace(/-[a-z0-9]{10}$/, '-<hash>'));
    expect(names('ConfigMap').sort()).toEqual(['storage-rental-config-<hash>', 'storage-rental-setup-config']);
    // Besides, the Secrets of their own that the operators' resources name (test/data-plane.spec.ts).
    const expected = ['storage-rental-secrets-<hash>', 'storage-rental-setup-secrets'];
    const forOperators = operatorSecretNames(objects).filter((name) => !expected.includes(name));
    expect(names('Secret').sort()).toEqual([...expected, ...forOperators].sort());
    // Everything in the overlay's own namespace.
    const namespace = all(objects, 'Namespace')[0].metadata.name;
    expect(objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace)).toEqual([]);
  });

  it('runs PostgreSQL, MariaDB and RabbitMQ as StatefulSets with volume claims, on operators, or uses services outside the cluster', () => {
    const external = APP_NAMES.flatMap((app) => Object.values(values(appEnv(app))).filter(isCredentialUrl)).every((url) =>
      new URL(url).hostname.includes('.'),
    );
    if (external) return expect(INFRA.filter((name) => find(objects, 'StatefulSet', name))).toEqual([]);
    // Those an operator runs: test/data-plane.spec.ts.
    const onOperators = dataServers(objects)
      .filter((s) => s.source.kind !== 'StatefulSet')
      .map((s) => s.engine as string);
    for (const name of INFRA.filter((name) => !onOperators.includes(name))) {
      const set = get(objects, 'StatefulSet', name);
      const claims: string[] = (set.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name);
      expect([name, claims.length]).toEqual([name, 1]);
      expect(mainContainer(set).volumeMounts.map((m: any) => m.name)).toEqual(claims);
      // The headless Service that gives the pod its stable name.
      expect(get(objects, 'Service', set.spec.serviceName).spec.clusterIP).toBe('None');
    }
  });

  it("validates every object against the Kubernetes JSON schemas (kubernetes-models) and KEDA's (KEDA_SCHEMAS), unknown fields refused", () => {
    expect(objects.flatMap(schemaProblems)).toEqual([]);
  });

  const authMode = (): AuthMode => {
    if (!OVERLAY_AUTH[overlay])
      throw new Error(`OVERLAY_AUTH: how does overlay ${overlay} check tokens (${Object.keys(AUTH_MODES).join(' or ')})?`);
    return OVERLAY_AUTH[overlay];
  };

  it.each(APP_NAMES)('%s: gets every variable it validates at start from the ConfigMap or the Secret, and the values pass', (app) => {
    const env = appEnv(app);
    const missing = requiredVariablesOf(app, authMode()).filter((name) => !env.has(name));
    expect(missing).toEqual([]);
    // Of the other way of checking tokens, nothing: an app given JWT_SECRET and JWT_JWKS_URL refuses to start.
    const unwanted = variablesOf(app).filter((name) => env.has(name) && !requiredVariablesOf(app, authMode()).includes(name));
    expect(unwanted).toEqual([]);
    const literal = variablesOf(app).filter((name) => env.has(name) && env.get(name)!.from === 'literal');
    expect(literal).toEqual([]);
    const notFromSecret = variablesOf(app).filter(
      (name) => env.has(name) && SECRET_VARIABLES.has(name) && env.get(name)!.from !== 'Secret',
    );
    expect(notFromSecret).toEqual([]);
    // What the app would do at start with this environment: throws, naming the variable, if one is bad.
    expect(() => validateApp(app, values(env))).not.toThrow();
  });

  it("checks bearer tokens the same way in every app: HS256 with the Secret's JWT_SECRET (dev), or RS256 with JWT_JWKS_URL (production)", () => {
    const mode = authMode();
    // One key (or one issuer and audience) for all: a token the gateway accepts, every app accepts.
    for (const name of AUTH_MODES[mode]) {
      const given = new Set(APP_NAMES.map((app) => appEnv(app).get(name)?.value));
      expect([name, given.size, given.has(undefined)]).toEqual([name, 1, false]);
    }
    const secretKeys = all(objects, 'Secret').flatMap((secret) => Object.keys(secret.data ?? {}));
    const auth = values(appEnv('gateway'));
    if (mode === 'hs256') {
      expect(appEnv('gateway').get('JWT_SECRET')?.from).toBe('Secret');
      // The development key of .env.example, so that `npm run token` tokens work here.
      expect(auth.JWT_SECRET).toBe(DEV_JWT_SECRET);
    } else {
      // Neither given to any container, nor kept in the Secret where one could pick it up.
      expect(secretKeys).not.toContain('JWT_SECRET');
      const referenced = objects
        .filter((o) => o.spec?.template?.spec)
        .flatMap((w) => [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers])
        .flatMap((c: any) => (c.env ?? []).map((e: any) => e.name));
      expect(referenced).not.toContain('JWT_SECRET');
      expect(new URL(auth.JWT_JWKS_URL).protocol).toBe('https:');
      expect(appEnv('gateway').get('JWT_JWKS_URL')?.from).toBe('ConfigMap');
      expect(auth.JWT_ISSUER).not.toBe('');
      expect(auth.JWT_AUDIENCE).not.toBe('');
    }
  });

  it('keeps nothing secret in the ConfigMap, and reads nothing the apps do not know from it', () => {
    const known = new Set(APP_NAMES.flatMap(variablesOf));
    for (const configMap of all(objects, 'ConfigMap')) {
      for (const [key, value] of Object.entries(configMap.data ?? {})) {
        expect([key, SECRET_VARIABLES.has(key) || SECRET_NAME.test(key)]).toEqual([key, false]);
        expect([key, /:\/\/[^/@\s]*:[^/@\s]*@/.test(value) || isCredentialUrl(value)]).toEqual([key, false]);
        expect([key, known.has(key)]).toEqual([key, true]);
      }
    }
  });

  it.each(APP_NAMES)('%s: probes ask paths the health controller serves, on the port the app listens on', (app) => {
    expect(Reflect.getMetadata('imports', MODULES[app]).some((m: any) => m?.module === HealthModule)).toBe(true);
    const container = mainContainer(deployment(app));
    const port = Number(values(appEnv(app))[portVariableOf(app)]);
    const probes = {
      startupProbe: container.startupProbe,
      livenessProbe: container.livenessProbe,
      readinessProbe: container.readinessProbe,
    };
    for (const [name, probe] of Object.entries(probes)) {
      expect([name, probe?.httpGet && HEALTH.has(probe.httpGet.path)]).toEqual([name, true]);
      expect([name, containerPort(container, probe.httpGet.port)]).toEqual([name, port]);
    }
    // Liveness never depends on the database or broker; readiness on the database, and turns 503 on SIGTERM.
    expect(HEALTH.get(probes.livenessProbe.httpGet.path)).toBe('live');
    expect(HEALTH.get(probes.readinessProbe.httpGet.path)).toBe('ready');
    const service = get(objects, 'Service', app);
    expect(service.spec.ports.map((p: any) => containerPort(container, p.targetPort))).toEqual([port]);
    expect(matches(service.spec.selector, deployment(app).spec.template.metadata.labels)).toBe(true);
  });

  it.each(APP_NAMES)('%s: asks Prometheus to scrape the route MetricsController serves, on the port the app listens on', (app) => {
    const port = Number(values(appEnv(app))[portVariableOf(app)]);
    expect(deployment(app).spec.template.metadata.annotations).toEqual(
      expect.objectContaining({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(port),
        'prometheus.io/path': `/${Reflect.getMetadata(PATH_METADATA, MetricsController)}`,
      }),
    );
  });

  it.each(APP_NAMES)('%s: rolls with zero downtime: maxUnavailable 0, preStop + grace period matched to the drain', (app) => {
    const d = deployment(app);
    expect(d.spec.strategy.type).toBe('RollingUpdate');
    expect(String(d.spec.strategy.rollingUpdate.maxUnavailable)).toMatch(/^0%?$/);
    expect(String(d.spec.strategy.rollingUpdate.maxSurge)).not.toMatch(/^0%?$/);
    const env = values(appEnv(app));
    const drainSeconds = Math.ceil((Number(env.SHUTDOWN_DRAIN_MS) + Number(env.SHUTDOWN_TIMEOUT_MS)) / 1000);
    const needed = preStopSeconds(mainContainer(d)) + drainSeconds;
    const grace = podSpec(d).terminationGracePeriodSeconds;
    expect(grace).toBeGreaterThan(needed);
    expect(grace).toBeLessThanOrEqual(needed + 10);
    expect(preStopSeconds(mainContainer(d))).toBeGreaterThanOrEqual(3);
  });

  it('gives every container requests and limits for CPU and memory, requests within limits', () => {
    const workloads = objects.filter((o) => ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(o.kind));
    for (const w of workloads) {
      for (const c of [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers]) {
        for (const r of ['cpu', 'memory']) {
          const { requests = {}, limits = {} } = c.resources ?? {};
          expect([w.metadata.name, c.name, r, requests[r] !== undefined && limits[r] !== undefined]).toEqual([
            w.metadata.name,
            c.name,
            r,
            true,
          ]);
          expect(quantity(requests[r])).toBeLessThanOrEqual(quantity(limits[r]));
        }
      }
    }
  });

  it('scales gateway and rental with a CPU HPA on an existing Deployment with CPU requests; PDBs leave room for evictions', () => {
    for (const hpa of all(objects, 'HorizontalPodAutoscaler')) {
      const name = hpa.metadata.name;
      const target = hpa.spec.scaleTargetRef;
      expect([name, target.apiVersion, target.kind]).toEqual([name, 'apps/v1', 'Deployment']);
      const d = get(objects, 'Deployment', target.name);
      expect([name, podSpec(d).containers.every((c: any) => c.resources?.requests?.cpu)]).toEqual([name, true]);
      // An applied replica count would fight the autoscaler on every deploy.
      expect([name, d.spec.replicas]).toEqual([name, undefined]);
      const cpu = hpa.spec.metrics.find((m: any) => m.type === 'Resource' && m.resource.name === 'cpu');
      expect([name, cpu?.resource.target.type]).toEqual([name, 'Utilization']);
      expect(cpu.resource.target.averageUtilization).toBeGreaterThanOrEqual(50);
      expect(cpu.resource.target.averageUtilization).toBeLessThanOrEqual(90);
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(overlay === 'production' ? 2 : 1);
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
      expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(50);
    }
    expect(
      all(objects, 'HorizontalPodAutoscaler')
        .map((h) => h.spec.scaleTargetRef.name)
        .sort(),
    ).toEqual(APP_NAMES.filter((app) => !QUEUE_SCALED.includes(app)).sort());
    for (const app of APP_NAMES) {
      const budgets = all(objects, 'PodDisruptionBudget').filter((p) =>
        matches(p.spec.selector.matchLabels, deployment(app).spec.template.metadata.labels),
      );
      expect([app, budgets.length]).toEqual([app, 1]);
      const { maxUnavailable, minAvailable } = budgets[0].spec;
      expect([app, maxUnavailable !== undefined ? maxUnavailable >= 1 : minAvailable < replicaBounds(app).min]).toEqual([app, true]);
    }
  });

  it.each(QUEUE_SCALED)(
    '%s: scaled by a KEDA ScaledObject on the depth of its own events queue (queuesOf) and on CPU, read as a broker user of its own',
    (app) => {
      const scaled = scaledObjectsOf(app);
      expect(scaled.map((s) => s.metadata.name)).toEqual([app]);
      const { spec, metadata } = scaled[0];
      expect([spec.scaleTargetRef.apiVersion ?? 'apps/v1', spec.scaleTargetRef.kind ?? 'Deployment']).toEqual(['apps/v1', 'Deployment']);
      const d = deployment(app);
      expect(podSpec(d).containers.every((c: any) => c.resources?.requests?.cpu)).toBe(true);
      // An applied replica count would fight KEDA's HPA on every deploy.
      expect(d.spec.replicas).toBeUndefined();
      const { min, max } = replicaBounds(app);
      expect(min).toBeGreaterThanOrEqual(overlay === 'production' ? 2 : 1);
      expect(max).toBeGreaterThan(min);
      expect(max).toBeLessThanOrEqual(50);

      // Its own events queue by the name the code gives it: a renamed queue fails here, not in the cluster.
      const queue = spec.triggers.filter((t: any) => t.type === 'rabbitmq');
      expect(queue.map((t: any) => t.metadata)).toEqual([
        expect.objectContaining({ queueName: queuesOf(app).events, protocol: 'amqp', mode: 'QueueLength' }),
      ]);
      // Per replica at least what one takes at once, or it would scale out for what a round of batches clears.
      const env = values(appEnv(app));
      expect(Number(queue[0].metadata.value)).toBeGreaterThanOrEqual(Number(env.AMQP_BATCH_SIZE) * Number(env.AMQP_BATCHES_IN_FLIGHT));
      const cpu = spec.triggers.filter((t: any) => t.type === 'cpu');
      expect(cpu.map((t: any) => t.metricType)).toEqual(['Utilization']);
      expect(Number(cpu[0].metadata.value)).toBeGreaterThanOrEqual(50);
      expect(Number(cpu[0].metadata.value)).toBeLessThanOrEqual(90);
      // KEDA's HPA scales down as the CPU HPAs do, and under the app's name, adopting an earlier release's HPA.
      const hpaConfig = spec.advanced?.horizontalPodAutoscalerConfig;
      expect(hpaConfig?.behavior).toEqual(get(objects, 'HorizontalPodAutoscaler', 'gateway').spec.behavior);
      expect([hpaConfig?.name, metadata.annotations?.['scaledobject.keda.sh/transfer-hpa-ownership']]).toEqual([app, 'true']);

      // KEDA connects to the broker and vhost the app consumes from, as a user that db-setup makes (the
      // Job gets the same URL) and that is neither an app's nor the administrator.
      const ref = queue[0].authenticationRef;
      expect(ref.kind ?? 'TriggerAuthentication').toBe('TriggerAuthentication');
      const hosts = get(objects, 'TriggerAuthentication', ref.name).spec.secretTargetRef.filter((r: any) => r.parameter === 'host');
      expect(hosts).toHaveLength(1);
      const secret = get(objects, 'Secret', hosts[0].name);
      expect(Object.keys(secret.data ?? {})).toContain(hosts[0].key);
      const given = decode(secret.data![hosts[0].key]);
      const url = new URL(given);
      const own = new URL(env.AMQP_URL);
      expect([url.protocol, url.host, url.pathname || '/']).toEqual([own.protocol, own.host, own.pathname || '/']);
      const jobEnv = values(containerEnv(objects, mainContainer(all(objects, 'Job')[0])));
      expect(jobEnv[hosts[0].key]).toBe(given);
      const appUsers = BROKER_APPS.map((a) => new URL(values(appEnv(a)).AMQP_URL).username);
      expect([...appUsers, new URL(jobEnv.RABBITMQ_ADMIN_URL).username]).not.toContain(url.username);
    },
  );

  it('falls back to CPU HPAs with the same bounds without KEDA (component base/without-keda), and to no keda.sh object', () => {
    const withoutKeda = render(`overlays/${overlay}`, (copy) => {
      const path = join(copy, `overlays/${overlay}/kustomization.yaml`);
      writeFileSync(path, `${readFileSync(path, 'utf8')}\ncomponents:\n  - ../../base/without-keda\n`);
    });
    expect(withoutKeda.filter((o) => o.apiVersion.startsWith('keda.sh/')).map((o) => o.kind)).toEqual([]);
    expect(withoutKeda.flatMap(schemaProblems)).toEqual([]);
    const cpuTarget = get(objects, 'HorizontalPodAutoscaler', 'gateway').spec.metrics;
    for (const app of APP_NAMES) {
      const hpas = all(withoutKeda, 'HorizontalPodAutoscaler').filter((h) => h.spec.scaleTargetRef.name === app);
      expect([app, hpas.length]).toEqual([app, 1]);
      const { minReplicas, maxReplicas, metrics } = hpas[0].spec;
      expect([app, { min: minReplicas, max: maxReplicas }, metrics]).toEqual([app, replicaBounds(app), cpuTarget]);
      expect(hpas[0].metadata.labels).toEqual(get(objects, 'HorizontalPodAutoscaler', 'gateway').metadata.labels);
    }
  });

  it('scales each Deployment with exactly one autoscaler: never with both an HPA and a ScaledObject, which would fight', () => {
    for (const app of APP_NAMES) expect([app, hpasOf(app).length + scaledObjectsOf(app).length]).toEqual([app, 1]);
    const targets = [...all(objects, 'HorizontalPodAutoscaler'), ...all(objects, 'ScaledObject')].map((a) => a.spec.scaleTargetRef.name);
    expect(targets.sort()).toEqual([...APP_NAMES].sort());
    // Nor may the HPA KEDA makes take the name of one of ours.
    for (const scaled of all(objects, 'ScaledObject')) {
      const name = scaled.spec.advanced?.horizontalPodAutoscalerConfig?.name ?? `keda-hpa-${scaled.metadata.name}`;
      expect([name, find(objects, 'HorizontalPodAutoscaler', name)]).toEqual([name, undefined]);
    }
  });

  it('runs each app, the Job and the ops toolbox from its own image, as a non-root user without privilege escalation', () => {
    for (const w of [...all(objects, 'Deployment'), ...all(objects, 'Job'), ...all(objects, 'CronJob')]) {
      const c = mainContainer(w);
      const expected = w.kind === 'Job' ? DB_SETUP : w.metadata.name;
      expect([w.metadata.name, imageRepository(c.image)]).toEqual([w.metadata.name, expected]);
      expect(c.image).not.toMatch(/:latest$/);
      expect([w.metadata.name, podSpec(w).securityContext?.runAsNonRoot, c.securityContext?.allowPrivilegeEscalation]).toEqual([
        w.metadata.name,
        true,
        false,
      ]);
    }
  });

  it('runs the migration Job with the database URLs the apps use', () => {
    const job = all(objects, 'Job')[0];
    const jobEnv = values(containerEnv(objects, mainContainer(job)));
    for (const app of APP_NAMES) {
      const env = values(appEnv(app));
      for (const name of variablesOf(app).filter((v) => v.endsWith('_DATABASE_URL')))
        expect([name, jobEnv[name]]).toEqual([name, env[name]]);
    }
    // The broker user the Job makes for each app is the one the app connects as.
    for (const app of BROKER_APPS) expect([app, jobEnv[brokerUrlVariableOf(app)]]).toEqual([app, values(appEnv(app)).AMQP_URL]);
    // Only the Job gets the administrators, to create each app's user with.
    for (const name of Object.keys(new DbSetupConfig())) {
      expect([name, jobEnv[name]]).toEqual([name, expect.stringMatching(/^[a-z]+:\/\//)]);
      for (const app of APP_NAMES) expect([app, name, values(appEnv(app))[name]]).toEqual([app, name, undefined]);
    }
    expect(podSpec(job).restartPolicy).toMatch(/^(OnFailure|Never)$/);
  });

  it("ops: a template only (suspended), whose Jobs get what the ops commands read, the broker as the operators' user, the databases as the apps' users, and no administrator", () => {
    const cronJob = get(objects, 'CronJob', OPS);
    expect([cronJob.spec.suspend, podSpec(cronJob).restartPolicy, cronJob.spec.jobTemplate.spec.backoffLimit]).toEqual([true, 'Never', 0]);
    // A toolbox that waits for `kubectl exec`, and is gone within the hour if nobody ends it.
    expect(mainContainer(cronJob).command?.[0]).toBe('sleep');
    expect(cronJob.spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(Number(mainContainer(cronJob).command[1]));
    expect(cronJob.spec.jobTemplate.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    const env = opsEnv();
    const given = values(env);
    const classes = opsConfigClasses();
    expect(classes.map((c) => c.name)).toEqual(expect.arrayContaining(['BrokerConfig', 'RentalConfig', 'AssignConfig']));
    for (const configClass of classes) expect(() => validateConfig(configClass)(given)).not.toThrow();
    // story reads each app's database as the app reaches it.
    for (const app of APP_NAMES)
      for (const name of variablesOf(app).filter((v) => v.endsWith('_DATABASE_URL')))
        expect([name, given[name]]).toEqual([name, values(appEnv(app))[name]]);
    // dead-letters and queues: the user the Job makes for the operators, on the apps' exchange, with
    // their retry settings (queues names the retry queues after them).
    const jobEnv = values(containerEnv(objects, mainContainer(all(objects, 'Job')[0])));
    expect(given.AMQP_URL).toBe(jobEnv.OPS_AMQP_URL);
    for (const name of Object.keys(new BrokerConfig()).filter((n) => n !== 'AMQP_URL'))
      expect([name, given[name]]).toEqual([name, values(appEnv('rental'))[name]]);
    // Nothing of the Job's (the administrators, the apps' broker users) and no key that signs tokens.
    const unwanted = [...Object.keys(new DbSetupConfig()), 'JWT_SECRET', 'SERVICE_TOKEN_SECRET'].filter((name) => env.has(name));
    expect(unwanted).toEqual([]);
    expect([...env].filter(([, source]) => isCredentialUrl(source.value) && source.from !== 'Secret').map(([name]) => name)).toEqual([]);
  });

  it('points every URL at a rendered Service and port, with the password the server is started with', () => {
    const operatorServers = dataServers(objects).filter((s) => s.source.kind !== 'StatefulSet');
    const urls = new Map<string, [string, string]>();
    const job = containerEnv(objects, mainContainer(all(objects, 'Job')[0]));
    for (const [who, env] of [...APP_NAMES.map((app) => [app, appEnv(app)] as const), [DB_SETUP, job] as const, [OPS, opsEnv()] as const])
      for (const [k, v] of Object.entries(values(env))) if (/^[a-z]+:\/\//.test(v)) urls.set(`${who} ${k}`, [k, v]);
    // KEDA's, by the Secret key its TriggerAuthentication reads.
    for (const [key, url] of kedaBrokerUrls()) urls.set(`keda ${key}`, [key, url]);
    expect(urls.size).toBeGreaterThan(0);
    for (const [where, [variable, value]] of urls) {
      const url = new URL(value);
      if (url.hostname.includes('.')) continue; // outside the cluster (a managed service)
      // A rendered Service, or one an operator makes for its resource (test/data-plane.ts).
      const service = [...objects, ...operatorServers.flatMap((s) => s.services)].find(
        (o) => o.kind === 'Service' && o.metadata.name === url.hostname,
      );
      expect([where, service?.spec.ports.map((p: any) => p.port)]).toEqual([where, expect.arrayContaining([Number(url.port)])]);
      const operated = operatorServers.find((s) => s.services.includes(service!));
      if (operated) {
        const administrator = operatorAdministrator(objects, operated);
        // RabbitMQ's default user is the operator's Secret, outside the render: only the apps' accounts are checked.
        if (administrator || /^[A-Z]+_AMQP_URL$|^AMQP_URL$/.test(variable))
          expectAccount(where, variable, url, administrator ?? [undefined, undefined], where.split(' ')[0]);
        continue;
      }
      const server = all(objects, 'StatefulSet').find((s) => matches(s.spec.selector.matchLabels, service!.spec.selector));
      if (!server) continue; // one of our apps
      const credentials = SERVER_CREDENTIALS[imageRepository(mainContainer(server).image)];
      const serverEnv = values(containerEnv(objects, mainContainer(server)));
      expectAccount(where, variable, url, [credentials.user(serverEnv), serverEnv[credentials.password]], where.split(' ')[0]);
    }
  });

  it('isolates every app with NetworkPolicies: the ingress controller reaches only the gateway, the gateway the apps, rental manage, Prometheus all', () => {
    const namespace = all(objects, 'Namespace')[0].metadata.name;
    const podOf = (workload: K8sObject): Pod => ({ namespace, labels: podTemplate(workload).metadata.labels });
    const callers: Record<string, Pod> = {
      'ingress controller': INGRESS_CONTROLLER,
      prometheus: PROMETHEUS,
      'keda operator': KEDA_OPERATOR,
      ...Object.fromEntries(
        // By the pod's name label: the Job's own name carries the release.
        [...all(objects, 'Deployment'), ...all(objects, 'StatefulSet'), ...all(objects, 'Job'), ...all(objects, 'CronJob')].map((w) => [
          podTemplate(w).metadata.labels['app.kubernetes.io/name'],
          podOf(w),
        ]),
      ),
      'another pod in the namespace': { namespace, labels: { 'app.kubernetes.io/name': 'debug' } },
      'a pod in another namespace': { namespace: 'default', labels: { 'app.kubernetes.io/name': 'gateway' } },
      "another pod in Prometheus's namespace": { namespace: PROMETHEUS.namespace, labels: { 'app.kubernetes.io/name': 'grafana' } },
    };
    expect(Object.keys(callers)).toEqual(expect.arrayContaining([...APP_NAMES, DB_SETUP, OPS]));
    for (const app of APP_NAMES) {
      const port = Number(values(appEnv(app))[portVariableOf(app)]);
      const admitted = Object.keys(callers).filter((name) => admits(objects, deployment(app), callers[name], port));
      expect([app, admitted.sort()]).toEqual([app, [...ALLOWED_CALLERS[app]].sort()]);
      // Only the app's own port, even for those.
      expect([app, Object.keys(callers).filter((name) => admits(objects, deployment(app), callers[name], port + 1))]).toEqual([app, []]);
    }
    // The calls the apps make, by the URLs their config reads (the ConfigMap gives every app all of them): each admitted.
    for (const app of APP_NAMES) {
      for (const [name, value] of Object.entries(values(appEnv(app))).filter(
        ([k, v]) => variablesOf(app).includes(k) && /^https?:\/\//.test(v),
      )) {
        const url = new URL(value);
        if (!APP_NAMES.includes(url.hostname)) continue;
        const service = get(objects, 'Service', url.hostname);
        const targetPort = service.spec.ports.find((p: any) => p.port === Number(url.port)).targetPort;
        const port = containerPort(mainContainer(deployment(url.hostname)), targetPort)!;
        expect([app, name, admits(objects, deployment(url.hostname), podOf(deployment(app)), port)]).toEqual([app, name, true]);
      }
    }
    // Prometheus scrapes where the annotations say.
    for (const app of APP_NAMES) {
      const port = Number(deployment(app).spec.template.metadata.annotations['prometheus.io/port']);
      expect([app, admits(objects, deployment(app), PROMETHEUS, port)]).toEqual([app, true]);
    }
    // Incoming only: the apps' own connections (databases, broker, the token issuer's keys) stay open,
    // and every policy selects some pods (a mistyped label would leave an app or a server open).
    for (const policy of all(objects, 'NetworkPolicy')) {
      expect([policy.metadata.name, policyTypes(policy)]).toEqual([policy.metadata.name, ['Ingress']]);
      const selected = [...all(objects, 'Deployment'), ...all(objects, 'StatefulSet'), ...dataServers(objects).map((s) => s.pods)].filter(
        (d) => selects(policy.spec.podSelector, d.spec.template.metadata.labels),
      );
      expect([policy.metadata.name, selected.length > 0]).toEqual([policy.metadata.name, true]);
    }
  });

  it("lets into each database and broker port only the workloads whose URLs name it (the apps, the Job, the ops toolbox), and KEDA's operator into the one its TriggerAuthentication names: only the Job into RabbitMQ management", () => {
    const namespace = all(objects, 'Namespace')[0].metadata.name;
    const workloads = [...all(objects, 'Deployment'), ...all(objects, 'Job'), ...all(objects, 'CronJob')];
    const callers: [string, Pod][] = [
      ...workloads.map((w): [string, Pod] => [w.metadata.name, { namespace, labels: podTemplate(w).metadata.labels }]),
      ['another pod in the namespace', { namespace, labels: { 'app.kubernetes.io/name': 'debug' } }],
      ['keda operator', KEDA_OPERATOR],
      ["another pod in KEDA's namespace", { namespace: KEDA_OPERATOR.namespace, labels: { app: 'keda-operator-metrics-apiserver' } }],
      ['a keda-operator in another namespace', { namespace: 'default', labels: KEDA_OPERATOR.labels }],
    ];
    const kedaUrls = kedaBrokerUrls().map(([, url]) => new URL(url));
    // StatefulSets, or an operator's pods (test/data-plane.ts: the Services and ports it makes).
    const servers = dataServers(objects);
    expect(servers.map((s) => s.name).sort()).toEqual([...INFRA].sort());
    for (const server of servers) {
      for (const { containerPort: port, name: portName = String(port) } of mainContainer(server.pods).ports) {
        // The Services' host names and ports that lead to this container port.
        const entries = server.services.flatMap((service) =>
          service.spec.ports
            .filter((p: any) => containerPort(mainContainer(server.pods), p.targetPort) === port)
            .map((p: any) => [service.metadata.name, p.port as number] as const),
        );
        const leadsHere = (url: URL) => entries.some(([host, servicePort]) => url.hostname === host && Number(url.port) === servicePort);
        // Who has a URL to this server and port, by the variables it reads. The Job only reads the
        // apps' broker URLs for their users and passwords; it connects to the management API.
        const expected = workloads
          .filter((w) =>
            Object.entries(values(containerEnv(objects, mainContainer(w)))).some(([name, v]) => {
              if (!/^[a-z]+:\/\//.test(v) || (w.kind === 'Job' && /^[A-Z]+_AMQP_URL$/.test(name))) return false;
              return leadsHere(new URL(v));
            }),
          )
          .map((w) => w.metadata.name);
        if (kedaUrls.some(leadsHere)) expected.push('keda operator');
        const admitted = callers.filter(([, pod]) => admits(objects, server.pods, pod, port)).map(([name]) => name);
        expect([server.name, portName, admitted.sort()]).toEqual([server.name, portName, expected.sort()]);
      }
    }
    const rabbitmq = servers.find((s) => s.engine === 'rabbitmq')!;
    expect(admits(objects, rabbitmq.pods, { namespace, labels: { 'app.kubernetes.io/name': 'rental' } }, 15672)).toBe(false);
  });

  it("keeps every database server's connections within its max_connections: Σ (maxReplicas of the HPA or ScaledObject × pool) + a reserve", () => {
    // db-setup's connections and an operator's psql (PostgreSQL also keeps 3 for superusers).
    const RESERVE = 20;
    const demands = APP_NAMES.flatMap((app) => {
      const env = values(appEnv(app));
      const url = env[`${app.toUpperCase()}_DATABASE_URL`];
      if (!url) return []; // the gateway has no database
      const pool = Number(env.DATABASE_POOL_SIZE ?? new DatabaseConfig().DATABASE_POOL_SIZE);
      return [{ app, host: new URL(url).hostname, maxReplicas: replicaBounds(app).max, pool }];
    });
    // Per server, a StatefulSet's `max_connections` argument or an operator's resource's setting (test/data-plane.ts).
    const budgets = connectionBudget(dataServers(objects), demands, RESERVE);
    expect(budgets.map((b) => b.server).sort()).toEqual(['mariadb', 'postgres']);
    // A failure shows the server, its worst case and its limit (undefined: the server sets none, so the budget has nothing to hold to).
    for (const budget of budgets) expect(budget).toEqual({ ...budget, fits: true });
  });

  it('can be applied twice with other config and secrets: the migration Job, whose pod template is immutable, stays the same', () => {
    // Every value of the ConfigMap and the Secret changed, as an operator's next apply might.
    const changed = render(`overlays/${overlay}`, (copy) => {
      for (const file of ['base/config.env', `overlays/${overlay}/${overlay === 'dev' ? 'dev-secrets.env' : 'secrets.env'}`]) {
        const path = join(copy, file);
        writeFileSync(
          path,
          readFileSync(path, 'utf8').replace(/^([A-Z_]+)=(.*)$/gm, (_line, name, value) => `${name}=${value}-changed`),
        );
      }
    });
    const jobOf = (rendered: K8sObject[]) => {
      const jobs = all(rendered, 'Job');
      expect(jobs).toHaveLength(1);
      return { name: jobs[0].metadata.name, spec: jobs[0].spec };
    };
    expect(jobOf(changed)).toEqual(jobOf(objects));
    // …while the Deployments roll: their ConfigMap's name carries a hash of its content.
    expect(deployment('rental').spec.template).not.toEqual(get(changed, 'Deployment', 'rental').spec.template);
    // A finished Job goes after a day, so that the same release applied again runs it again.
    expect(all(objects, 'Job')[0].spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
  });

  it('names the migration Job after the release it migrates for, so that a new release is a new Job', () => {
    const job = all(objects, 'Job')[0];
    const tag = mainContainer(job).image.split(':')[1];
    expect(job.metadata.name).toBe(`db-setup-${tag}`);
  });

  it('pins every image to an explicit version; production as committed to package.json’s', () => {
    const images = [
      ...all(objects, 'Deployment'),
      ...all(objects, 'StatefulSet'),
      ...all(objects, 'Job'),
      ...all(objects, 'CronJob'),
    ].flatMap((w) => [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers].map((c: any) => c.image as string));
    for (const image of images) expect([image, /:[\w][\w.-]*$/.test(image) && !image.endsWith(':latest')]).toEqual([image, true]);
    if (overlay !== 'production') return;
    const { version } = JSON.parse(read('package.json'));
    const ours = images.filter((image) => image.startsWith('storage-rental/'));
    expect(ours.map((image) => image.split(':')[1])).toEqual(ours.map(() => version));
    expect(all(objects, 'Job')[0].metadata.name).toBe(`db-setup-${version}`);
  });

  it('takes a new release from scripts/pin-release.ts (npm version) in every image tag and the Job’s name', () => {
    if (overlay !== 'production') return;
    const pinned = render('overlays/production', (copy) => {
      const path = join(copy, 'overlays/production/kustomization.yaml');
      writeFileSync(path, pinRelease(readFileSync(path, 'utf8'), '9.9.9'));
    });
    const ours = [...all(pinned, 'Deployment'), ...all(pinned, 'Job'), ...all(pinned, 'CronJob')].map((w) => mainContainer(w).image);
    expect(ours.map(imageRepository).sort()).toEqual([...APP_NAMES, DB_SETUP, OPS].sort());
    expect(ours.map((image: string) => image.split(':')[1])).toEqual(ours.map(() => '9.9.9'));
    expect(all(pinned, 'Job')[0].metadata.name).toBe('db-setup-9.9.9');
  });

  it('stocks demo units only in the dev overlay, as start:all does: production starts with no inventory', () => {
    expect(values(appEnv('assign')).SEED_LOCATIONS).toBe(overlay === 'dev' ? new AssignConfig().SEED_LOCATIONS : '');
  });

  it('routes from outside only the public API and its docs page, never /health or /metrics', () => {
    const paths: { path: string; pathType: string }[] = all(objects, 'Ingress').flatMap((i) =>
      i.spec.rules.flatMap((r: any) => r.http.paths),
    );
    // Kubernetes' matching: Exact is the whole path; Prefix matches whole path elements.
    const routed = (url: string) =>
      paths.some(({ path, pathType }) =>
        pathType === 'Exact' ? url === path : url === path || url.startsWith(`${path.replace(/\/$/, '')}/`),
      );
    const publicPrefixes = proxyRoutes({ RENTAL_URL: '', MANAGE_URL: '', ASSIGN_URL: '', VIEW_URL: '' }).map((route) => route.prefix);
    for (const prefix of publicPrefixes) expect([prefix, routed(prefix), routed(`${prefix}/${UNKNOWN}`)]).toEqual([prefix, true, true]);
    for (const docs of ['/docs', '/docs/swagger-ui.css', '/docs-json', '/docs-asyncapi'])
      expect([docs, routed(docs)]).toEqual([docs, true]);
    for (const hidden of ['/', '/health', '/health/live', '/health/ready', '/metrics', '/rentals-admin'])
      expect([hidden, routed(hidden)]).toEqual([hidden, false]);
  });

  it('routes the Ingress to the gateway Service', () => {
    const ingress = all(objects, 'Ingress')[0];
    const backends = ingress.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service));
    for (const backend of backends) {
      const service = get(objects, 'Service', backend.name);
      expect(backend.name).toBe('gateway');
      expect(service.spec.ports.some((p: any) => p.name === backend.port.name || p.port === backend.port.number)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// docker compose

describe('deploy/docker-compose.yml', () => {
  const compose = parse(read('deploy/docker-compose.yml'), { merge: true });
  const services = compose.services as Record<string, any>;
  const envOf = (service: string): Record<string, string> => {
    const env = services[service].environment ?? {};
    if (Array.isArray(env))
      return Object.fromEntries(env.map((line: string) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  };
  /** The port and path a `fetch('http://127.0.0.1:PORT/PATH')` health check asks. */
  const healthcheckTarget = (service: string) => {
    const match = /https?:\/\/127\.0\.0\.1:(\d+)(\/[\w/-]*)/.exec([services[service].healthcheck?.test ?? []].flat().join(' '));
    return match ? { port: Number(match[1]), path: match[2] } : undefined;
  };

  it('validates against the compose-spec JSON schema', () => {
    expect(composeSchemaProblems(compose)).toEqual([]);
  });

  it('runs the five apps, the db-setup one-shot, PostgreSQL, MariaDB and RabbitMQ', () => {
    expect(Object.keys(services).sort()).toEqual([...APP_NAMES, DB_SETUP, ...INFRA].sort());
    for (const app of [...APP_NAMES, DB_SETUP]) {
      expect([app, services[app].build.context, services[app].build.dockerfile, services[app].build.args.APP]).toEqual([
        app,
        '..',
        'Dockerfile',
        app,
      ]);
    }
  });

  it.each(APP_NAMES)('%s: names exactly the variables the app validates (tokens: HS256 with JWT_SECRET), and the values pass', (app) => {
    const env = envOf(app);
    expect(Object.keys(env).sort()).toEqual(requiredVariablesOf(app, 'hs256').sort());
    expect(() => validateApp(app, env)).not.toThrow();
    // One key for every app: the development value of .env.example, which `npm run token` signs with.
    expect(env.JWT_SECRET).toBe(DEV_JWT_SECRET);
  });

  it.each(APP_NAMES)('%s: health check asks readiness on the port the app listens on; depends on what it needs', (app) => {
    const port = Number(envOf(app)[portVariableOf(app)]);
    expect(healthcheckTarget(app)).toEqual({ port, path: expect.any(String) });
    expect(HEALTH.get(healthcheckTarget(app)!.path)).toBe('ready');
    const needs = Object.values(envOf(app))
      .filter(isCredentialUrl)
      .map((v) => new URL(v).hostname);
    const dependsOn = services[app].depends_on ?? {};
    for (const host of needs) expect([host, dependsOn[host]?.condition]).toEqual([host, 'service_healthy']);
    if (needs.some((h) => h !== 'rabbitmq')) expect(dependsOn[DB_SETUP]?.condition).toBe('service_completed_successfully');
    // SIGTERM: drain, then close; compose's default 10 s would kill it mid-close.
    const env = envOf(app);
    const grace = Number(/^(\d+)s$/.exec(services[app].stop_grace_period ?? '')?.[1]);
    expect(grace).toBeGreaterThan((Number(env.SHUTDOWN_DRAIN_MS) + Number(env.SHUTDOWN_TIMEOUT_MS)) / 1000);
  });

  it('points every URL at a compose service, port and password that exist', () => {
    const ports = Object.fromEntries(APP_NAMES.map((app) => [app, Number(envOf(app)[portVariableOf(app)])]));
    // RabbitMQ: AMQP, or its management API over http (db-setup's).
    const serverPort = (url: URL) => ({ postgres: 5432, mariadb: 3306, rabbitmq: url.protocol === 'http:' ? 15672 : 5672 })[url.hostname];
    for (const service of [...APP_NAMES, DB_SETUP]) {
      for (const [name, value] of Object.entries(envOf(service)).filter(([, v]) => /^[a-z]+:\/\//.test(v))) {
        const url = new URL(value);
        expect([service, name, url.hostname in services]).toEqual([service, name, true]);
        expect([service, name, Number(url.port)]).toEqual([service, name, ports[url.hostname] ?? serverPort(url)]);
        const credentials = SERVER_CREDENTIALS[url.hostname];
        if (credentials) {
          const serverEnv = envOf(url.hostname);
          expectAccount(`${service} ${name}`, name, url, [credentials.user(serverEnv), serverEnv[credentials.password]], service);
        }
      }
    }
    // db-setup creates and migrates exactly the databases the apps use.
    const appDatabases = APP_NAMES.flatMap((app) => Object.entries(envOf(app)).filter(([k]) => k.endsWith('_DATABASE_URL')));
    expect(
      Object.entries(envOf(DB_SETUP))
        .filter(([k]) => k.endsWith('_DATABASE_URL'))
        .sort(),
    ).toEqual(appDatabases.sort());
  });

  it('keeps state in named volumes and gives every long-running service a health check', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const used = Object.values(services).flatMap((s: any) => (s.volumes ?? []).map((v: string) => v.split(':')[0]));
    expect(used.sort()).toEqual(declared.sort());
    for (const name of INFRA) expect([name, (services[name].volumes ?? []).length]).toEqual([name, 1]);
    for (const [name, service] of Object.entries(services)) {
      if (name !== DB_SETUP) expect([name, service.healthcheck?.test?.length > 0]).toEqual([name, true]);
      for (const [dependency, { condition }] of Object.entries<any>(service.depends_on ?? {})) {
        expect([name, dependency, dependency in services]).toEqual([name, dependency, true]);
        expect(condition).toBe(dependency === DB_SETUP ? 'service_completed_successfully' : 'service_healthy');
      }
    }
  });

  it('runs the same database and broker images as Kubernetes and CI', () => {
    const k8s = Object.fromEntries(
      INFRA.map((name) => [
        name,
        parseAllDocuments(read(`deploy/k8s/infra/${name}.yaml`))
          .map((d) => d.toJS())
          .find((o) => o.kind === 'StatefulSet').spec.template.spec.containers[0].image,
      ]),
    );
    const ci = parse(read('.github/workflows/ci.yml')).jobs.test.services as Record<string, { image: string }>;
    for (const name of INFRA) expect([name, services[name].image, ci[name]?.image]).toEqual([name, k8s[name], k8s[name]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Dockerfile

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const dockerfile = DockerfileParser.parse(text);
  const instructions = dockerfile.getInstructions();
  const stages = dockerfile.getFROMs();
  const lastStage = instructions.slice(instructions.indexOf(stages.at(-1)!));
  const args = (keyword: string, within = lastStage) =>
    within.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');

  it('passes the Dockerfile linter (dockerfile-utils)', () => {
    expect(lintDockerfile(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('is multi-stage on the Node release npm scripts run on, takes APP, builds with nest, runs the app as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(/^ARG NODE_IMAGE=node:(\S+)-alpine$/m.exec(text)?.[1]).toBe(PACKAGE.devDependencies.node);
    expect(args('RUN', instructions).some((a) => /npx nest build &&/.test(a))).toBe(true);
    expect(args('ARG')).toContain('APP');
    expect(args('USER')).toHaveLength(1);
    expect(args('USER')[0]).not.toMatch(/^(0|root)(:|$)/);
    expect(args('CMD')).toEqual(['["node", "main.js"]']);
    expect(lastStage.some((i) => i.getKeyword() === 'COPY' && i.getTextContent() === 'COPY --from=build /out ./')).toBe(true);
    // main.js links to where the build puts the app's and db-setup's entry points.
    const build = args('RUN', instructions).find((a) => a.includes('npx nest build'))!;
    expect(build).toContain(`ln -s "${appEntry('$APP')}" /out/main.js`);
    expect(build).toContain(`ln -s ${DB_SETUP_ENTRY} /out/main.js`);
  });

  it('ships only production dependencies', () => {
    const copies = lastStage.filter((i) => i.getKeyword() === 'COPY');
    const nodeModules = copies.find((c) => /node_modules/.test(c.getArgumentsContent() ?? ''));
    const from = /--from=(\S+)/.exec(nodeModules!.getTextContent())?.[1];
    const stage = stages.find((s) => s.getBuildStage() === from)!;
    const stageRuns = instructions
      .slice(instructions.indexOf(stage))
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getArgumentsContent());
    expect(stageRuns.some((r) => /npm ci .*--omit=dev/.test(r ?? ''))).toBe(true);
  });

  it('maps APP to its entry point: /out/main.js links to the app, db-setup or ops, with what each needs beside it', () => {
    const entries: Record<string, string> = {
      ...Object.fromEntries(APP_NAMES.map((app) => [app, appEntry(app)])),
      [DB_SETUP]: DB_SETUP_ENTRY,
      [OPS]: OPS_ENTRY,
    };
    expect(Object.keys(entries).sort()).toEqual(IMAGES);
    // The build stage's RUN, run by sh for each APP on what `nest build` leaves in /src, into an /out of our own.
    const build = args('RUN', instructions).find((a) => a.includes('npx nest build'))!;
    for (const [app, entry] of Object.entries(entries)) {
      const dir = mkdtempSync(join(tmpdir(), 'image-'));
      try {
        const src = join(dir, 'src');
        for (const file of [...Object.values(entries), 'dist/libs/platform/src/index.js']) {
          mkdirSync(dirname(join(src, file)), { recursive: true });
          writeFileSync(join(src, file), '');
        }
        const script = build.replace('npx nest build', 'true').replace(/(?<![\w.-])\/out\b/g, join(dir, 'out'));
        execFileSync('sh', ['-c', script], { cwd: src, env: { PATH: process.env.PATH, APP: app }, stdio: 'pipe' });
        expect([app, readlinkSync(join(dir, 'out/main.js'))]).toEqual([app, entry]);
        expect([app, existsSync(join(dir, 'out/dist/libs/platform/src/index.js'))]).toEqual([app, true]);
        // db-setup and ops read every app's config; an app's image holds only its own code.
        const apps = APP_NAMES.filter((other) => existsSync(join(dir, 'out', appEntry(other))));
        expect([app, apps]).toEqual([app, [DB_SETUP, OPS].includes(app) ? APP_NAMES : [app]]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("compiles scripts/ops.ts in the image's one nest build (tsconfig.build.json) to OPS_ENTRY, as scripts/db-setup.ts to DB_SETUP_ENTRY", () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, 'tsconfig.build.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    )!;
    for (const [source, entry] of [
      ['scripts/ops.ts', OPS_ENTRY],
      ['scripts/db-setup.ts', DB_SETUP_ENTRY],
    ]) {
      expect([source, config.fileNames.includes(join(ROOT, source))]).toEqual([source, true]);
      expect([source, ts.getOutputFileNames(config, join(ROOT, source), false)]).toEqual([
        source,
        expect.arrayContaining([join(ROOT, entry)]),
      ]);
    }
  });

  it('runs ops with production dependencies only: every package its compiled code requires is in package.json "dependencies"', () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, 'tsconfig.build.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    )!;
    const packages = new Set<string>();
    const seen = new Set<string>();
    const files = [join(ROOT, 'scripts/ops.ts')];
    while (files.length > 0) {
      const file = files.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      // Each file as tsc emits it on its own: imports used only as types are gone, as in dist.
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: config.options, fileName: file });
      for (const [, specifier] of outputText.matchAll(/\brequire\("([^"]+)"\)/g)) {
        if (specifier.startsWith('node:')) continue;
        const resolved = ts.resolveModuleName(specifier, file, config.options, ts.sys).resolvedModule;
        if (resolved && !resolved.isExternalLibraryImport) files.push(resolved.resolvedFileName);
        else
          packages.add(
            specifier
              .split('/')
              .slice(0, specifier.startsWith('@') ? 2 : 1)
              .join('/'),
          );
      }
    }
    expect(packages).toContain('amqplib');
    const notProduction = [...packages].filter((name) => !(name in PACKAGE.dependencies));
    expect(notProduction.map((name) => [name, name in PACKAGE.devDependencies ? 'devDependencies' : 'not in package.json'])).toEqual([]);
  });

  it("checks /health/live on each app's own default port", () => {
    const healthcheck = lastStage.find((i) => i.getKeyword() === 'HEALTHCHECK')!.getTextContent();
    expect(healthcheck).toContain("'/health/live'");
    expect(HEALTH.get('/health/live')).toBe('live');
    const ports = JSON.parse(/const d=(\{[^}]*\})/.exec(healthcheck)![1].replace(/(\w+):/g, '"$1":'));
    expect(ports).toEqual(Object.fromEntries(APP_NAMES.map((app) => [app, defaultsOf(app)[portVariableOf(app)]])));
  });

  it('.dockerignore lets in only what the build copies: no .env, node_modules, dist or .git', () => {
    const rules = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(rules[0]).toBe('*');
    const allowed = rules.filter((r) => r.startsWith('!')).map((r) => r.slice(1).replace(/\/$/, ''));
    const sources = instructions
      .filter((i) => i.getKeyword() === 'COPY' && !/--from=/.test(i.getTextContent()))
      .flatMap((i) => (i.getArgumentsContent() ?? '').split(/\s+/).slice(0, -1));
    for (const source of sources) expect([source, allowed.some((a) => source === a || source.startsWith(`${a}/`))]).toEqual([source, true]);
    for (const secret of ['.env', 'node_modules', 'dist', '.git'])
      expect(allowed.some((a) => secret === a || secret.startsWith(`${a}/`) || a.startsWith(secret))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// CI/CD

describe('.github/workflows/ci.yml', () => {
  const workflow = parse(read('.github/workflows/ci.yml'));
  const jobs = workflow.jobs as Record<string, any>;
  const runs = (job: any) => (job.steps ?? []).map((s: any) => s.run ?? '').join('\n');

  it('lints and typechecks, and runs the README test command against the three service containers', () => {
    expect(Object.values(jobs).some((j) => /npm run lint/.test(runs(j)) && /npm run typecheck/.test(runs(j)))).toBe(true);
    expect(read('README.md')).toMatch(/^npm test\b.*what CI runs/m);
    const test = Object.values(jobs).find((j) => /^\s*npm test\s*$/m.test(runs(j)));
    expect(Object.keys(test?.services ?? {}).sort()).toEqual([...INFRA].sort());
    // The manifest tests in npm test render the overlays with kubectl.
    expect(test.steps.some((s: any) => /setup-kubectl/.test(s.uses ?? ''))).toBe(true);
  });

  const imagesJob = () => Object.entries(jobs).find(([, j]) => j.steps?.some((s: any) => /docker\/build-push-action/.test(s.uses ?? '')))!;

  it('builds and pushes one image per nest application, db-setup and ops, from the Dockerfile with APP', () => {
    const [, images] = imagesJob();
    expect(images.strategy.matrix.app).toContain(OPS);
    expect([...images.strategy.matrix.app].sort()).toEqual(IMAGES);
    const build = images.steps.find((s: any) => /docker\/build-push-action/.test(s.uses));
    expect([build.with.file, build.with['build-args']]).toEqual(['Dockerfile', 'APP=${{ matrix.app }}']);
    expect(build.with.push).toMatch(/refs\/heads\/main/);
  });

  it('deploys an existing overlay with kustomize, every image pinned to the commit, after the images', () => {
    const deploy = Object.values(jobs).find((j) => /kubectl kustomize/.test(runs(j)));
    expect(existsSync(join(ROOT, deploy.env.OVERLAY, 'kustomization.yaml'))).toBe(true);
    const pinned = [...runs(deploy).matchAll(/for app in ([\w -]+);/g)].map((m) => m[1].trim().split(/\s+/).sort());
    expect(pinned).toContainEqual(IMAGES);
    expect([deploy.needs].flat()).toContain(imagesJob()[0]);
    expect(runs(deploy)).toMatch(/wait --for=condition=complete job\/db-setup/);
  });

  it('names only existing jobs in needs, and pins every action to a version', () => {
    for (const [name, job] of Object.entries(jobs)) {
      for (const need of [job.needs ?? []].flat()) expect([name, need in jobs]).toEqual([name, true]);
      for (const step of job.steps ?? [])
        if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w.-]+)*@(v\d+[\w.]*|[0-9a-f]{40})$/);
    }
  });
});
