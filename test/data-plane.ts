/**
 * The database and broker servers of a rendered overlay, whichever way they run: the StatefulSets of
 * deploy/k8s/infra, or the custom resources of deploy/k8s/infra-operators. For a custom resource this
 * computes what its operator makes of it (the Services, the pods' labels and ports), since none of
 * that is in the render. Looked up, not guessed:
 * - CloudNativePG: Services `<name>-rw`, `-ro`, `-r` (ServiceReadWriteSuffix … in api/v1), pods
 *   labelled `cnpg.io/cluster: <name>`, PostgreSQL on 5432 and the instance manager on 8000
 *   (docs: networking, samples/networkpolicy-example.yaml); the superuser from a basic-auth Secret.
 * - mariadb-operator: Services `<name>`, `<name>-primary`, `<name>-secondary`, `<name>-internal`
 *   (api/v1alpha1 PrimaryServiceKey …), pod labels app.kubernetes.io/name `mariadb`, instance
 *   `<name>`, component `database` (pkg/builder/labels), the agent sidecar's API on 5555 (its default).
 * - RabbitMQ Cluster Operator: the client Service `<name>` (amqp 5672, management 15672), the headless
 *   `<name>-nodes` (epmd 4369, cluster-links 25672) (internal/resource), pod labels
 *   app.kubernetes.io/name `<name>`, component `rabbitmq` (internal/metadata/label.go).
 */
import Ajv2019 from 'ajv/dist/2019';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
};

const K8S_DIR = join(__dirname, '..', 'deploy/k8s');

/**
 * Renders an overlay with the real kustomize (built into kubectl). Works on a copy of deploy/k8s in
 * which every `X.example` whose `X` is missing is copied to `X`: the production overlay's
 * secrets.env is never committed, and its example has every key.
 */
export function render(dir: string, edit: (copy: string) => void = () => undefined): K8sObject[] {
  const copy = mkdtempSync(join(tmpdir(), 'k8s-'));
  try {
    cpSync(K8S_DIR, copy, { recursive: true });
    for (const dir of readdirSync(copy, { recursive: true, withFileTypes: true })) {
      if (!dir.isFile() || !dir.name.endsWith('.example')) continue;
      const target = join(dir.parentPath, dir.name.slice(0, -'.example'.length));
      if (!existsSync(target)) cpSync(join(dir.parentPath, dir.name), target);
    }
    edit(copy);
    let output: string;
    try {
      output = execFileSync('kubectl', ['kustomize', join(copy, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error: any) {
      if (error.code === 'ENOENT')
        throw new Error('kubectl is not on PATH: these tests render the overlays with `kubectl kustomize` (kubectl >= 1.27)');
      throw new Error(`kubectl kustomize deploy/k8s/${dir} failed: ${error.stderr ?? error.message}`);
    }
    const objects = parseAllDocuments(output).map((doc) => doc.toJS() as K8sObject);
    // kustomize folds long base64 values over several lines; the API server's base64 decoding skips
    // the line breaks (as does Buffer.from), the schema's `byte` format does not.
    for (const secret of objects.filter((o) => o.kind === 'Secret')) {
      for (const key of Object.keys(secret.data ?? {})) secret.data![key] = secret.data![key].replace(/\n/g, '');
    }
    return objects;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

// NetworkPolicy, evaluated the way the network plugin does for a connection to a pod.
export type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};
/** A pod that opens a connection: its namespace (whose name is its `kubernetes.io/metadata.name` label) and labels. */
export type Pod = { namespace: string; labels: Record<string, string> };

/** A label selector as the API server applies it: every term must hold, and `{}` selects everything. */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return key in labels && values.includes(labels[key]);
    if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]);
    if (operator === 'Exists') return key in labels;
    if (operator === 'DoesNotExist') return !(key in labels);
    throw new Error(`unknown selector operator ${operator}`);
  });
  return byLabel && byExpression;
}
export const policyTypes = (policy: K8sObject): string[] =>
  policy.spec.policyTypes ?? (policy.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);

/**
 * Whether the NetworkPolicies let `source` open a TCP connection to `port` of the pods of `workload`.
 * A pod no policy selects for Ingress accepts everything; one that some policy selects accepts what
 * any of those policies' rules admits (they add up). A peer with only a podSelector means the
 * policy's own namespace; ipBlock peers are about addresses, and admit none of the pods modelled here.
 */
export function admits(objects: K8sObject[], workload: K8sObject, source: Pod, port: number): boolean {
  const target: Pod = { namespace: workload.metadata.namespace!, labels: workload.spec.template.metadata.labels };
  const containerPorts: { name?: string; containerPort: number }[] = workload.spec.template.spec.containers.flatMap(
    (c: any) => c.ports ?? [],
  );
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .filter(
      (p) => p.metadata.namespace === target.namespace && selects(p.spec.podSelector, target.labels) && policyTypes(p).includes('Ingress'),
    );
  if (policies.length === 0) return true;
  const portAdmits = (ports: any[] | undefined) =>
    !ports?.length ||
    ports.some((p) => {
      if ((p.protocol ?? 'TCP') !== 'TCP') return false;
      if (p.port === undefined) return true;
      if (typeof p.port === 'string') return containerPorts.some((c) => c.name === p.port && c.containerPort === port);
      return p.endPort ? port >= p.port && port <= p.endPort : port === p.port;
    });
  const peerAdmits = (peer: any, namespace: string) => {
    if (peer.ipBlock) return false;
    const inNamespace = peer.namespaceSelector
      ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': source.namespace })
      : source.namespace === namespace;
    return inNamespace && (!peer.podSelector || selects(peer.podSelector, source.labels));
  };
  return policies.some((policy) =>
    (policy.spec.ingress ?? []).some(
      (rule: any) =>
        portAdmits(rule.ports) && (!rule.from?.length || rule.from.some((peer: any) => peerAdmits(peer, policy.metadata.namespace!))),
    ),
  );
}

export type Engine = 'postgres' | 'mariadb' | 'rabbitmq';
export type DataServer = {
  name: string;
  engine: Engine;
  /** The StatefulSet, or the custom resource. */
  source: K8sObject;
  /** What its pods look like to a NetworkPolicy: namespace, spec.template's labels and container ports. */
  pods: K8sObject;
  services: K8sObject[];
  /** The Service every URL must name: the primary, where the operator has replicas. */
  writeService: string;
  image: string;
  replicas: number;
  /** The configured limit, where one is set (the connection budget needs it for the databases). */
  maxConnections?: number;
};

export const OPERATOR_KINDS = {
  postgres: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster' },
  mariadb: { apiVersion: 'k8s.mariadb.com/v1alpha1', kind: 'MariaDB' },
  rabbitmq: { apiVersion: 'rabbitmq.com/v1beta1', kind: 'RabbitmqCluster' },
} as const;
const engineOf = (obj: K8sObject): Engine | undefined =>
  (Object.keys(OPERATOR_KINDS) as Engine[]).find(
    (engine) => OPERATOR_KINDS[engine].apiVersion === obj.apiVersion && OPERATOR_KINDS[engine].kind === obj.kind,
  );
export const isOperatorResource = (obj: K8sObject) => engineOf(obj) !== undefined;

const service = (namespace: string | undefined, name: string, selector: Record<string, string>, ports: [string, number][]): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { selector, ports: ports.map(([portName, port]) => ({ name: portName, port, targetPort: port })) },
});
const pods = (source: K8sObject, labels: Record<string, string>, image: string, ports: number[]): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: source.metadata.name, namespace: source.metadata.namespace },
  spec: {
    template: {
      metadata: { labels },
      spec: { containers: [{ name: source.metadata.name, image, ports: ports.map((p) => ({ containerPort: p })) }] },
    },
  },
});

function operatorServer(cr: K8sObject, engine: Engine): DataServer {
  const { name, namespace } = cr.metadata;
  const spec = cr.spec ?? {};
  if (engine === 'postgres') {
    const labels = { 'cnpg.io/cluster': name };
    const limit = spec.postgresql?.parameters?.max_connections;
    return {
      name,
      engine,
      source: cr,
      pods: pods(cr, labels, spec.imageName, [5432, 8000]),
      services: ['rw', 'ro', 'r'].map((suffix) => service(namespace, `${name}-${suffix}`, labels, [['postgres', 5432]])),
      writeService: `${name}-rw`,
      image: spec.imageName,
      replicas: spec.instances,
      maxConnections: limit === undefined ? undefined : Number(limit),
    };
  }
  if (engine === 'mariadb') {
    const labels = { 'app.kubernetes.io/name': 'mariadb', 'app.kubernetes.io/instance': name, 'app.kubernetes.io/component': 'database' };
    const limit = /^\s*max[_-]connections\s*=\s*(\d+)\s*$/m.exec(spec.myCnf ?? '')?.[1];
    const replicated = spec.replication?.enabled === true;
    return {
      name,
      engine,
      source: cr,
      pods: pods(cr, labels, spec.image, replicated || spec.galera?.enabled ? [3306, 5555] : [3306]),
      services: ['', '-primary', '-secondary', '-internal'].map((suffix) =>
        service(namespace, `${name}${suffix}`, labels, [['mysql', 3306]]),
      ),
      writeService: replicated ? `${name}-primary` : name,
      image: spec.image,
      replicas: spec.replicas ?? 1,
      maxConnections: limit === undefined ? undefined : Number(limit),
    };
  }
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'rabbitmq' };
  return {
    name,
    engine,
    source: cr,
    pods: pods(cr, labels, spec.image, [5672, 15672, 4369, 25672]),
    services: [
      service(namespace, name, labels, [
        ['amqp', 5672],
        ['management', 15672],
      ]),
      service(namespace, `${name}-nodes`, labels, [
        ['epmd', 4369],
        ['cluster-links', 25672],
      ]),
    ],
    writeService: name,
    image: spec.image,
    replicas: spec.replicas ?? 1,
  };
}

function statefulSetServer(objects: K8sObject[], set: K8sObject): DataServer | undefined {
  const container = set.spec.template.spec.containers[0];
  const engine = (['postgres', 'mariadb', 'rabbitmq'] as Engine[]).find(
    (e) =>
      container.image
        .replace(/[:@].*$/, '')
        .split('/')
        .pop() === e,
  );
  if (!engine) return undefined;
  const services = objects.filter((o) => o.kind === 'Service' && o.metadata.name === set.spec.serviceName);
  const limit = /max[_-]connections=(\d+)/.exec((container.args ?? []).join(' '))?.[1];
  return {
    name: set.metadata.name,
    engine,
    source: set,
    pods: set,
    services,
    writeService: set.spec.serviceName,
    image: container.image,
    replicas: set.spec.replicas ?? 1,
    maxConnections: limit === undefined ? undefined : Number(limit),
  };
}

/** Every PostgreSQL, MariaDB and RabbitMQ server of a render, a StatefulSet or an operator's resource. */
export function dataServers(objects: K8sObject[]): DataServer[] {
  return [
    ...objects.filter((o) => o.kind === 'StatefulSet').flatMap((set) => statefulSetServer(objects, set) ?? []),
    ...objects.flatMap((o) => {
      const engine = engineOf(o);
      return engine ? [operatorServer(o, engine)] : [];
    }),
  ];
}

/** The server behind a host name of a URL, by the Services it has (or its operator makes). */
export const serverOfHost = (servers: DataServer[], host: string) =>
  servers.find((s) => s.services.some((svc) => svc.metadata.name === host));

/**
 * The administrator an operator's resource starts its server with, as [user, password] from the
 * rendered Secrets; undefined where the operator makes it outside the render (RabbitMQ's default user).
 */
export function operatorAdministrator(objects: K8sObject[], server: DataServer): [string, string] | undefined {
  const secret = (name: string) => {
    const found = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
    if (!found) throw new Error(`${server.source.kind} ${server.name} names Secret ${name}, which is not in the render`);
    return found.data ?? {};
  };
  const decode = (base64: string | undefined) => Buffer.from(base64 ?? '', 'base64').toString('utf8');
  if (server.source.kind === OPERATOR_KINDS.postgres.kind && server.source.spec.enableSuperuserAccess) {
    const data = secret(server.source.spec.superuserSecret.name);
    return [decode(data.username), decode(data.password)];
  }
  if (server.source.kind === OPERATOR_KINDS.mariadb.kind) {
    const ref = server.source.spec.rootPasswordSecretKeyRef;
    return ['root', decode(secret(ref.name)[ref.key])];
  }
  return undefined;
}

/** What the apps may open at most: per server, Σ (maximum replicas × pool) over its apps, plus a reserve. */
export type ConnectionDemand = { app: string; host: string; maxReplicas: number; pool: number };
export function connectionBudget(
  servers: DataServer[],
  demands: ConnectionDemand[],
  reserve: number,
): { server: string; worstCase: number; maxConnections: number | undefined; fits: boolean }[] {
  const worstCase = new Map<string, number>();
  for (const { app, host, maxReplicas, pool } of demands) {
    const server = serverOfHost(servers, host);
    if (!server) throw new Error(`${app}'s database host ${host} is no server's Service`);
    worstCase.set(server.name, (worstCase.get(server.name) ?? reserve) + maxReplicas * pool);
  }
  return [...worstCase].map(([name, connections]) => {
    const { maxConnections } = servers.find((s) => s.name === name)!;
    return { server: name, worstCase: connections, maxConnections, fits: maxConnections !== undefined && connections <= maxConnections };
  });
}

/**
 * The operators' CRDs are not available offline (no package ships them), so these are closed schemas of
 * the fields the manifests use, with the names and types of the CRDs' reference documentation: a
 * misspelt or unknown field fails, as schemaProblems makes it fail for the Kubernetes kinds.
 */
/** A JSON schema of an object with exactly these properties. */
export const closed = (properties: Record<string, object>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
export const text = { type: 'string', minLength: 1 };
const quantity = { anyOf: [{ type: 'string', pattern: '^\\d+(\\.\\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$' }, { type: 'number' }] };
const resources = closed({ requests: closed({ cpu: quantity, memory: quantity }), limits: closed({ cpu: quantity, memory: quantity }) });
const metadata = closed(
  {
    name: text,
    namespace: text,
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
  ['name'],
);
const resource = (engine: Engine, spec: object) =>
  closed({ apiVersion: { const: OPERATOR_KINDS[engine].apiVersion }, kind: { const: OPERATOR_KINDS[engine].kind }, metadata, spec }, [
    'apiVersion',
    'kind',
    'metadata',
    'spec',
  ]);
const SCHEMAS: Record<Engine, object> = {
  // CloudNativePG 1.27 Cluster: spec.instances, imageName, postgresql.parameters (strings),
  // enableSuperuserAccess, superuserSecret (LocalObjectReference), storage, resources.
  postgres: resource(
    'postgres',
    closed(
      {
        instances: { type: 'integer', minimum: 1 },
        imageName: text,
        postgresql: closed({ parameters: { type: 'object', additionalProperties: { type: 'string' } } }),
        enableSuperuserAccess: { type: 'boolean' },
        superuserSecret: closed({ name: text }, ['name']),
        storage: closed({ size: quantity, storageClass: text }, ['size']),
        resources,
      },
      ['instances', 'imageName', 'storage'],
    ),
  ),
  // mariadb-operator 25.10 MariaDB: replicas, replication.enabled, galera.enabled, image,
  // rootPasswordSecretKeyRef (SecretKeySelector + generate), myCnf, storage, resources.
  mariadb: resource(
    'mariadb',
    closed(
      {
        replicas: { type: 'integer', minimum: 1 },
        replication: closed({ enabled: { type: 'boolean' } }),
        galera: closed({ enabled: { type: 'boolean' } }),
        image: text,
        rootPasswordSecretKeyRef: closed({ name: text, key: text, generate: { type: 'boolean' } }, ['name', 'key']),
        myCnf: { type: 'string' },
        storage: closed({ size: quantity, storageClassName: text }, ['size']),
        resources,
      },
      ['replicas', 'image', 'rootPasswordSecretKeyRef', 'storage'],
    ),
  ),
  // RabbitMQ Cluster Operator 2.x RabbitmqCluster: replicas, image, rabbitmq.additionalPlugins and
  // additionalConfig, persistence.storage, resources.
  rabbitmq: resource(
    'rabbitmq',
    closed(
      {
        replicas: { type: 'integer', minimum: 1 },
        image: text,
        rabbitmq: closed({
          additionalPlugins: { type: 'array', items: { type: 'string', pattern: '^\\w+$' } },
          additionalConfig: { type: 'string' },
        }),
        persistence: closed({ storage: quantity, storageClassName: text }, ['storage']),
        resources,
      },
      ['replicas', 'image', 'persistence'],
    ),
  ),
};
const VALIDATORS = (() => {
  const ajv = new Ajv2019({ allErrors: true });
  return Object.fromEntries(Object.entries(SCHEMAS).map(([engine, schema]) => [engine, ajv.compile(schema)]));
})();

/** What is wrong with an operator's resource against SCHEMAS, as schemaProblems reports it for the others. */
export function operatorSchemaProblems(obj: K8sObject): string[] {
  const engine = engineOf(obj);
  const id = `${obj.kind}/${obj.metadata?.name}`;
  if (!engine) return [`${id}: not an operator's resource`];
  const validate = VALIDATORS[engine];
  validate(obj);
  return (validate.errors ?? []).map((e) => `${id}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** The Secrets the operators' resources name (rendered by the overlay): CloudNativePG's superuser's, MariaDB's root password's. */
export const operatorSecretNames = (objects: K8sObject[]): string[] =>
  objects.flatMap((o) => {
    if (engineOf(o) === 'postgres' && o.spec.superuserSecret) return [o.spec.superuserSecret.name];
    if (engineOf(o) === 'mariadb') return [o.spec.rootPasswordSecretKeyRef.name];
    return [];
  });
