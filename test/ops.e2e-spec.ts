import { spawnSync } from 'node:child_process';
import { E2E_ENV } from './e2e-env';
import { TestSystem, eventually } from './harness';
import { RentalApi } from './rental-api';

function ops(...args: string[]) {
  const result = spawnSync('npm', ['run', '--silent', 'ops', '--', ...args], {
    env: { ...process.env, ...E2E_ENV },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run ops', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });

  afterAll(() => system.stop());

  it('tells one rental’s whole story across the apps, found by its correlation id', async () => {
    const api = new RentalApi(system.gateway);
    const correlationId = `ops-story-${Date.now()}`;
    const applied = await api.apply({}, { 'x-correlation-id': correlationId });
    await api.viewWithStatus(applied.body.id, 'CONFIRMED');
    // Each app applies StorageAssigned on its own: wait until rental and manage have it too.
    await eventually(
      async () => [(await api.rental(applied.body.id)).body.status, (await api.allocation(applied.body.id)).body.status],
      ([rental, allocation]) => rental === 'CONFIRMED' && allocation === 'ASSIGNED',
    );

    const byCorrelation = ops('story', correlationId);
    expect(byCorrelation.code).toBe(0);
    const lines = byCorrelation.stdout.split('\n');
    expect(lines[0]).toBe(`rental ${applied.body.id}`);
    expect(lines.find((l) => l.startsWith('  rental '))).toContain('status=CONFIRMED');
    expect(lines.find((l) => l.startsWith('  manage '))).toContain('status=ASSIGNED');
    expect(lines.find((l) => l.startsWith('  assign '))).toContain('status=ACTIVE');
    expect(lines.find((l) => l.startsWith('  view '))).toContain('status=CONFIRMED');
    expect(lines.filter((l) => l.includes(`correlation ${correlationId}`)).length).toBeGreaterThanOrEqual(3);

    expect(ops('story', applied.body.id).stdout).toBe(byCorrelation.stdout);
  });

  it('lists every app’s queues with their depth and consumers', () => {
    const result = ops('queues');
    expect(result.code).toBe(0);
    // AMQP_RETRY_DELAY_MS=200 and 5 attempts (E2E_ENV): retry queues of 200 ms to 3.2 s.
    for (const app of ['rental', 'manage', 'assign', 'view']) {
      for (const queue of ['events', 'retries.200ms', 'retries.400ms', 'retries.800ms', 'retries.1600ms', 'retries.3200ms', 'dead'])
        expect(result.stdout).toMatch(new RegExp(`^${app}\\.${queue.replace('.', '\\.')}\\s+\\d+\\s+\\d+$`, 'm'));
    }
    expect(result.stdout).toMatch(/^assign\.events\s+\d+\s+1$/m);
  });

  it('reaches the dead-letter commands, and refuses an unknown command with a usage line', () => {
    expect(ops('dead-letters', 'list', 'view').code).toBe(0);
    const unknown = ops('explode');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toMatch(/^ops: usage:/);
  });
});
