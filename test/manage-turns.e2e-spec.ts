import { PORTS, SPARE_PORTS } from './e2e-env';
import { FaultProxy } from './fault-proxy';
import { TestSystem, newLocation, request } from './harness';
import { RentalApi } from './rental-api';

/**
 * rental lets MANAGE_CONCURRENCY calls to manage run at once and MANAGE_QUEUE wait their turn.
 * manage sits behind a proxy that holds every request 150 ms, so that calls overlap for sure.
 */
describe('turns for the calls to manage', () => {
  let system: TestSystem;
  let slowManage: FaultProxy;
  let api: RentalApi;
  const viaSlowManage = { MANAGE_URL: `http://127.0.0.1:${SPARE_PORTS[0]}` };

  beforeAll(async () => {
    slowManage = await new FaultProxy(SPARE_PORTS[0], { host: '127.0.0.1', port: PORTS.manage }, undefined, 150).start();
    system = await TestSystem.start({ apps: ['gateway', 'rental', 'manage'] });
    api = new RentalApi(system.gateway);
  });

  afterAll(async () => {
    await system?.stop();
    await slowManage?.stop();
  });

  const applyAtOnce = (count: number) => {
    const location = newLocation();
    return Promise.all(Array.from({ length: count }, () => api.apply({ location })));
  };

  it('does not count the wait for a turn toward manage’s timeout, so load alone fails no application', async () => {
    // One call at a time: the eighth waits for seven calls of at least 150 ms each, longer than the
    // 600 ms timeout; each call itself stays well inside it.
    await system.restart('rental', { ...viaSlowManage, MANAGE_CONCURRENCY: '1', MANAGE_QUEUE: '100', MANAGE_TIMEOUT_MS: '600' });
    const answers = await applyAtOnce(8);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    const health = (await request('GET', `${system.app('rental').url}/health`)).body;
    expect(health.details.manageCircuit.state).toBe('closed');
    expect(system.app('rental').output.join('\n')).not.toMatch(/Retrying the allocation request/);
  });

  it('turns applications away with a 503 and Retry-After when every turn and place in the queue is taken', async () => {
    await system.restart('rental', { ...viaSlowManage, MANAGE_CONCURRENCY: '1', MANAGE_QUEUE: '1' });
    const answers = await applyAtOnce(5);
    const accepted = answers.filter((a) => a.status === 201);
    const turnedAway = answers.filter((a) => a.status === 503);
    // One in flight, one waiting: the other three find no place.
    expect(accepted).toHaveLength(2);
    expect(turnedAway).toHaveLength(3);
    for (const answer of turnedAway) {
      expect(answer.body.message).toMatch(/too many applications at once/);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });
});
