/**
 * The data plane of each overlay: production's PostgreSQL, MariaDB and RabbitMQ on their operators
 * (deploy/k8s/infra-operators), three instances each; dev's single StatefulSets (deploy/k8s/infra).
 * Nothing runs an operator here, so what an operator makes of its resource (Services, pod labels,
 * ports) comes from test/data-plane.ts, which names its sources. The connection budget is held for
 * every overlay, these servers included, by test/deploy-manifests.spec.ts › "keeps every database
 * server's connections within its max_connections" (connectionBudget, test/data-plane.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  DataServer,
  K8sObject,
  OPERATOR_KINDS,
  Pod,
  admits,
  dataServers,
  isOperatorResource,
  operatorAdministrator,
  operatorSchemaProblems,
  render,
  serverOfHost,
} from './data-plane';

const ROOT = join(__dirname, '..');
const SECRETS_EXAMPLE = 'deploy/k8s/overlays/production/secrets.env.example';
const envOf = (text: string) =>
  Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map(([, key, value]) => [key, value])) as Record<string, string>;
/** Every URL of secrets.env.example, by key. */
const exampleUrls = () =>
  Object.entries(envOf(readFileSync(join(ROOT, SECRETS_EXAMPLE), 'utf8'))).filter(([, value]) => /^[a-z]+:\/\//.test(value));
/** The images of deploy/k8s/infra's StatefulSets, by server name. */
const infraImages = Object.fromEntries(
  ['postgres', 'mariadb', 'rabbitmq'].map((name) => {
    const docs = parseAllDocuments(readFileSync(join(ROOT, `deploy/k8s/infra/${name}.yaml`), 'utf8')).map((d) => d.toJS() as K8sObject);
    return [name, docs.find((d) => d.kind === 'StatefulSet')!.spec.template.spec.containers[0].image as string];
  }),
);
const SERVERS = ['mariadb', 'postgres', 'rabbitmq'];

describe('deploy/k8s/overlays/production: the data plane on operators', () => {
  let objects: K8sObject[];
  let servers: DataServer[];
  beforeAll(() => {
    objects = render('overlays/production');
    servers = dataServers(objects);
  });
  const serverOf = (engine: string) => servers.find((s) => s.engine === engine)!;
  const namespace = () => objects.find((o) => o.kind === 'Namespace')!.metadata.name;

  it('runs one RabbitmqCluster of 3 replicas, one CloudNativePG Cluster of 3 instances, one MariaDB of 3 replicas with replication (not Galera)', () => {
    const crs = objects.filter(isOperatorResource);
    expect(crs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Cluster/postgres',
      'MariaDB/mariadb',
      'RabbitmqCluster/rabbitmq',
    ]);
    const [rabbitmq, postgres, mariadb] = (['rabbitmq', 'postgres', 'mariadb'] as const).map((engine) =>
      crs.find((o) => o.apiVersion === OPERATOR_KINDS[engine].apiVersion && o.kind === OPERATOR_KINDS[engine].kind)!,
    );
    expect(rabbitmq.spec.replicas).toBe(3);
    expect(postgres.spec.instances).toBe(3);
    expect(mariadb.spec.replicas).toBe(3);
    // Primary and replicas: assign's row locks (FOR UPDATE, SKIP LOCKED) hold on one primary only.
    expect(mariadb.spec.replication).toEqual(expect.objectContaining({ enabled: true }));
    expect(mariadb.spec.galera?.enabled ?? false).toBe(false);
    // Persistent volumes: the operators make them from these.
    expect([postgres.spec.storage.size, mariadb.spec.storage.size, rabbitmq.spec.persistence.storage]).toEqual(['50Gi', '20Gi', '10Gi']);
  });

  it('runs no StatefulSet of PostgreSQL, MariaDB or RabbitMQ of its own', () => {
    expect(servers.map((s) => [s.name, s.source.kind]).sort()).toEqual([
      ['mariadb', 'MariaDB'],
      ['postgres', 'Cluster'],
      ['rabbitmq', 'RabbitmqCluster'],
    ]);
    expect(objects.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name)).toEqual([]);
  });

  it("validates the operators' resources against the fields of their CRDs (closed schemas of the fields used: the CRDs are not available offline)", () => {
    expect(objects.filter(isOperatorResource).flatMap(operatorSchemaProblems)).toEqual([]);
    // A misspelt field is refused, as kubectl --validate=strict would.
    const cluster = objects.find((o) => o.kind === 'Cluster')!;
    expect(operatorSchemaProblems({ ...cluster, spec: { ...cluster.spec, instance: 3 } })).toEqual([expect.stringContaining('instance')]);
  });

  it('pins every server image to an explicit version, the releases of deploy/k8s/infra', () => {
    for (const server of servers) {
      const tag = /:([\w][\w.-]*)$/.exec(server.image)?.[1];
      expect([server.name, tag !== undefined && tag !== 'latest']).toEqual([server.name, true]);
    }
    expect(serverOf('rabbitmq').image).toBe(infraImages.rabbitmq);
    expect(serverOf('mariadb').image).toBe(infraImages.mariadb);
    // CloudNativePG runs its own PostgreSQL images: the same release, 17.6 (infra: postgres:17.6-alpine).
    const release = (image: string) => /:(\d+\.\d+)/.exec(image)?.[1];
    expect(release(serverOf('postgres').image)).toBe(release(infraImages.postgres));
    expect(release(serverOf('postgres').image)).toMatch(/^17\./);
  });

  it('enables the plugins db:setup needs: the management API (topology, users) and the shovel (moving classic queues)', () => {
    expect(serverOf('rabbitmq').source.spec.rabbitmq.additionalPlugins).toEqual(
      expect.arrayContaining(['rabbitmq_management', 'rabbitmq_shovel']),
    );
  });

  it("points every URL of secrets.env.example at a Service the operators make for these names: the databases' at their primaries", () => {
    const urls = exampleUrls();
    expect(urls.length).toBeGreaterThan(0);
    for (const [key, value] of urls) {
      const url = new URL(value);
      const server = serverOfHost(servers, url.hostname);
      expect([key, server?.name]).toEqual([key, expect.any(String)]);
      const service = server!.services.find((s) => s.metadata.name === url.hostname)!;
      expect([key, service.spec.ports.map((p: any) => p.port)]).toEqual([key, expect.arrayContaining([Number(url.port)])]);
      // Writes go to the primary: CloudNativePG's postgres-rw, mariadb-operator's mariadb-primary.
      expect([key, url.hostname]).toEqual([key, server!.writeService]);
    }
    expect(new Set(urls.map(([, value]) => serverOfHost(servers, new URL(value).hostname)!.name))).toEqual(new Set(SERVERS));
  });

  it('starts the databases with the administrators of POSTGRES_ADMIN_URL and MARIADB_ADMIN_URL, also after a password changes', () => {
    for (const password of ['change-me', 'a-new-one']) {
      const rendered = render('overlays/production', (copy) => {
        const path = join(copy, 'overlays/production/secrets.env');
        const env = readFileSync(path, 'utf8')
          .replace(/^POSTGRES_PASSWORD=.*$/m, `POSTGRES_PASSWORD=${password}`)
          .replace(/^MARIADB_ROOT_PASSWORD=.*$/m, `MARIADB_ROOT_PASSWORD=${password}`)
          .replace(/^(POSTGRES|MARIADB)_ADMIN_URL=(\w+):\/\/(\w+):[^@]*@/gm, `$1_ADMIN_URL=$2://$3:${password}@`);
        writeFileSync(path, env);
      });
      const setup = rendered.find((o) => o.kind === 'Secret' && o.metadata.name === 'storage-rental-setup-secrets')!;
      const adminUrl = (key: string) => new URL(Buffer.from(setup.data![key], 'base64').toString('utf8'));
      for (const [engine, key] of [
        ['postgres', 'POSTGRES_ADMIN_URL'],
        ['mariadb', 'MARIADB_ADMIN_URL'],
      ]) {
        const server = dataServers(rendered).find((s) => s.engine === engine)!;
        const url = adminUrl(key);
        expect([engine, operatorAdministrator(rendered, server)]).toEqual([engine, [url.username, password]]);
      }
      // CloudNativePG reads the superuser only from a basic-auth Secret.
      expect(rendered.find((o) => o.kind === 'Secret' && o.metadata.name === 'postgres-superuser')!).toEqual(
        expect.objectContaining({ type: 'kubernetes.io/basic-auth' }),
      );
    }
  });

  it("lets the operators' pods reach what they manage, and each server's instances each other, on their ports only", () => {
    const ns = namespace();
    const app = (name: string): Pod => ({ namespace: ns, labels: { 'app.kubernetes.io/name': name } });
    const podOf = (server: DataServer): Pod => ({ namespace: ns, labels: server.pods.spec.template.metadata.labels });
    /** [server, who, port, admitted?] */
    const cases: [string, string, Pod, number, boolean][] = [
      // CloudNativePG: its operator in cnpg-system, the instances to each other (replication, instance manager).
      ['postgres', 'the operator', { namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } }, 8000, true],
      ['postgres', 'the operator', { namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } }, 5432, true],
      ['postgres', 'an instance', podOf(serverOf('postgres')), 5432, true],
      ['postgres', 'another pod of cnpg-system', { namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'other' } }, 8000, false],
      [
        'postgres',
        "the operator's labels elsewhere",
        { namespace: 'default', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
        8000,
        false,
      ],
      ['postgres', 'rental', app('rental'), 8000, false],
      ['postgres', 'assign', app('assign'), 5432, false],
      // mariadb-operator: SQL and its agent; the replicas to the primary.
      ['mariadb', 'the operator', { namespace: 'mariadb-operator', labels: { 'app.kubernetes.io/name': 'mariadb-operator' } }, 3306, true],
      ['mariadb', 'the operator', { namespace: 'mariadb-operator', labels: { 'app.kubernetes.io/name': 'mariadb-operator' } }, 5555, true],
      ['mariadb', 'a replica', podOf(serverOf('mariadb')), 3306, true],
      ['mariadb', 'assign', app('assign'), 5555, false],
      ['mariadb', 'rental', app('rental'), 3306, false],
      // RabbitMQ: clustering between the nodes, the operator on the management API.
      ['rabbitmq', 'a node', podOf(serverOf('rabbitmq')), 4369, true],
      ['rabbitmq', 'a node', podOf(serverOf('rabbitmq')), 25672, true],
      ['rabbitmq', 'a node', podOf(serverOf('rabbitmq')), 35682, true],
      [
        'rabbitmq',
        'the operator',
        { namespace: 'rabbitmq-system', labels: { 'app.kubernetes.io/component': 'rabbitmq-operator' } },
        15672,
        true,
      ],
      [
        'rabbitmq',
        'the operator',
        { namespace: 'rabbitmq-system', labels: { 'app.kubernetes.io/component': 'rabbitmq-operator' } },
        5672,
        false,
      ],
      ['rabbitmq', 'rental', app('rental'), 25672, false],
      ['rabbitmq', 'rental', app('rental'), 15672, false],
    ];
    for (const [server, who, pod, port, expected] of cases)
      expect([server, who, port, admits(objects, serverOf(server).pods, pod, port)]).toEqual([server, who, port, expected]);
    // Every server's pods are selected by a policy: a wrong label would leave them open to all.
    for (const server of servers) {
      const open: Pod = { namespace: 'default', labels: { 'app.kubernetes.io/name': 'debug' } };
      expect([
        server.name,
        admits(objects, server.pods, open, server.pods.spec.template.spec.containers[0].ports[0].containerPort),
      ]).toEqual([server.name, false]);
    }
  });
});

describe('deploy/k8s/overlays/dev: the single-instance StatefulSets of deploy/k8s/infra', () => {
  it('runs PostgreSQL, MariaDB and RabbitMQ as one StatefulSet each, and no operator resource', () => {
    const objects = render('overlays/dev');
    expect(objects.filter(isOperatorResource)).toEqual([]);
    expect(
      dataServers(objects)
        .map((s) => [s.name, s.source.kind, s.replicas])
        .sort(),
    ).toEqual(SERVERS.map((name) => [name, 'StatefulSet', 1]));
  });
});
