import { IsInt, Min } from 'class-validator';
import { execFileSync } from 'node:child_process';
import { AuthConfig } from './auth/auth.config';
import { CommonConfig, InvalidConfigError, validateConfig } from './config';

class ExampleConfig extends CommonConfig {
  @IsInt()
  @Min(1)
  EXAMPLE_PORT: number = 8080;
}

const SECRET = 'a-development-secret-of-32-characters!';

describe('validateConfig', () => {
  const validate = validateConfig(ExampleConfig);
  const check = validateConfig(ExampleConfig, AuthConfig);

  it('converts numbers in a script run with tsx, whose esbuild emits no decorator metadata', () => {
    const script =
      "import { CommonConfig, validateConfig } from './libs/platform/src/config';" +
      "console.log(JSON.stringify(validateConfig(CommonConfig)({ SHUTDOWN_DRAIN_MS: '100' })));";
    const output = execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(output).SHUTDOWN_DRAIN_MS).toBe(100);
  });

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

  it('reads through several classes into one object', () => {
    const config = check({ EXAMPLE_PORT: '9000', JWT_SECRET: SECRET });
    expect([config.EXAMPLE_PORT, config.JWT_SECRET]).toEqual([9000, SECRET]);
  });

  it('needs a token key: JWT_SECRET or JWT_JWKS_URL, not both', () => {
    expect(() => check({})).toThrow('JWT_SECRET=(unset) (JWT_SECRET must be set (at least 32 characters), unless JWT_JWKS_URL is)');
    expect(check({ JWT_JWKS_URL: 'https://issuer.example/jwks.json' }).JWT_JWKS_URL).toBe('https://issuer.example/jwks.json');
    expect(() => check({ JWT_SECRET: SECRET, JWT_JWKS_URL: 'https://issuer.example/jwks.json' })).toThrow(
      'set JWT_JWKS_URL or JWT_SECRET, not both',
    );
  });

  it('never shows a secret or a password in its error line', () => {
    let message = '';
    try {
      check({ JWT_SECRET: 'short-secret-value', LOG_FORMAT: 'postgres://app:s3cr3t-pw@db:5432/x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('JWT_SECRET=(hidden)');
    expect(message).toContain('LOG_FORMAT="postgres://app:***@db:5432/x"');
    expect(message).not.toContain('short-secret-value');
    expect(message).not.toContain('s3cr3t-pw');
  });
});
