import { IsInt, Min } from 'class-validator';
import { CommonConfig, InvalidConfigError, validateConfig } from './config';

class ExampleConfig extends CommonConfig {
  @IsInt()
  @Min(1)
  EXAMPLE_PORT: number = 8080;
}

describe('validateConfig', () => {
  const validate = validateConfig(ExampleConfig);

  it('fills defaults and converts numbers', () => {
    const config = validate({ EXAMPLE_PORT: '9000' });
    expect(config.EXAMPLE_PORT).toBe(9000);
    expect(config.SHUTDOWN_DRAIN_MS).toBe(2000);
  });

  it('reports a value out of range as such', () => {
    expect(() => validate({ EXAMPLE_PORT: '0' })).toThrow('EXAMPLE_PORT="0" (EXAMPLE_PORT must not be less than 1)');
  });

  it('names every bad variable with its value in one line', () => {
    expect(() => validate({ EXAMPLE_PORT: 'abc', LOG_FORMAT: 'xml' })).toThrow(InvalidConfigError);
    try {
      validate({ EXAMPLE_PORT: 'abc', LOG_FORMAT: 'xml' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('EXAMPLE_PORT="abc" (EXAMPLE_PORT must be an integer number)');
      expect(message).toContain('LOG_FORMAT="xml"');
      expect(message).not.toContain('\n');
    }
  });
});
