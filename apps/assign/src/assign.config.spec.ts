import { InvalidConfigError, validateConfig } from '@app/platform';
import { AssignConfig } from './assign.config';

describe('AssignConfig', () => {
  const validate = validateConfig(AssignConfig);

  it('takes seed locations whose first three letters differ', () => {
    expect(validate({ SEED_LOCATIONS: 'berlin,hamburg,munich' }).SEED_LOCATIONS).toBe('berlin,hamburg,munich');
    expect(validate({ SEED_LOCATIONS: '' }).SEED_LOCATIONS).toBe('');
  });

  it('refuses seed locations that would give their units the same codes (berlin and bernau: BER-S-01)', () => {
    expect(() => validate({ SEED_LOCATIONS: 'berlin,bernau' })).toThrow(InvalidConfigError);
    expect(() => validate({ SEED_LOCATIONS: 'berlin,bernau' })).toThrow(
      /SEED_LOCATIONS must name locations whose first three letters differ/,
    );
  });
});
