import { statusMoves } from './status-moves';

type Light = 'RED' | 'AMBER' | 'GREEN';
const LIGHTS: readonly Light[] = ['RED', 'AMBER', 'GREEN'];

describe('statusMoves', () => {
  it('lists every status the rule moves, with where it moves it', () => {
    const next = (light: Light): Light => (light === 'RED' || light === 'AMBER' ? 'GREEN' : light);
    expect(statusMoves(LIGHTS, next)).toEqual({ RED: 'GREEN', AMBER: 'GREEN' });
  });

  it('leaves out the statuses the rule keeps, so a rule that keeps all moves nothing', () => {
    expect(statusMoves(LIGHTS, (light) => light)).toEqual({});
  });
});
