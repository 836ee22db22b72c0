// Decorator metadata is only recorded if this is loaded before the classes below are defined.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsString, Length, Max, Min, ValidationError, validateSync } from 'class-validator';
import { existsSync } from 'node:fs';

/**
 * Settings every app reads. Each app's config class extends this and adds its own. Give every
 * numeric field a number as its default: that default tells the conversion (below) to read the
 * variable as a number.
 */
export class CommonConfig {
  @IsString()
  @Length(1, 255)
  HOST: string = '0.0.0.0';

  @IsIn(['text', 'json'])
  LOG_FORMAT: 'text' | 'json' = 'text';

  /** How long readiness stays 503 before the app stops serving: the time a load balancer needs to notice. */
  @IsInt()
  @Min(0)
  @Max(120_000)
  SHUTDOWN_DRAIN_MS: number = 2000;

  /** After the drain, how long closing may take (in-flight work, final flush) before the process gives up and exits 1. */
  @IsInt()
  @Min(100)
  @Max(300_000)
  SHUTDOWN_TIMEOUT_MS: number = 10_000;
}

export class InvalidConfigError extends Error {}

type Merged<T extends object[]> = T extends [infer First, ...infer Rest extends object[]] ? First & Merged<Rest> : unknown;
type ConfigClasses<T extends object[]> = { [K in keyof T]: new () => T[K] };

/**
 * Turns the environment into one typed config object, read through each of the given classes (an
 * app's own, plus AuthConfig for the apps that serve requests), or throws naming every bad variable.
 */
export function validateConfig<T extends object[]>(...configClasses: ConfigClasses<T>) {
  return (env: Record<string, unknown>): Merged<T> => {
    const configs = configClasses.map((configClass) => plainToInstance(configClass, withNumbers(new configClass(), env)));
    const errors = configs.flatMap((config) => validateSync(config));
    if (errors.length > 0) {
      throw new InvalidConfigError(`Invalid configuration: ${errors.map((e) => describe(e, env)).join('; ')}`);
    }
    // Each instance holds the whole environment; keep of each only the variables its class declares.
    const declared = configs.map((config, i) =>
      Object.fromEntries(Object.keys(new configClasses[i]()).map((key) => [key, (config as Record<string, unknown>)[key]])),
    );
    return Object.assign({}, ...declared) as Merged<T>;
  };
}

/**
 * The environment, with the variables whose default is a number read as numbers. The type comes
 * from the default, not from decorator metadata, which scripts run with tsx (esbuild) do not have.
 */
function withNumbers(defaults: object, env: Record<string, unknown>): Record<string, unknown> {
  const converted = { ...env };
  for (const [key, fallback] of Object.entries(defaults)) {
    const given = env[key];
    if (typeof fallback === 'number' && typeof given === 'string') converted[key] = given.trim() === '' ? NaN : Number(given);
  }
  return converted;
}

/**
 * @nestjs/config validates inside Nest's start-up, where a failure surfaces as a stack trace. We run
 * the same validation first so that a bad variable stops the app with one line that names it.
 */
export function exitOnInvalidConfig<T extends object[]>(...configClasses: ConfigClasses<T>): Merged<T> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return validateConfig<T>(...configClasses)(process.env);
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/** Of a value's failed rules, the one to tell: its kind (not an integer, not a URL) before its range. */
const KIND_RULES = ['isInt', 'isString', 'isIn', 'matches'];

function describe(error: ValidationError, env: Record<string, unknown>): string {
  const value = shownValue(error.property, env[error.property]);
  const constraints = error.constraints ?? {};
  const rule = KIND_RULES.find((name) => name in constraints) ?? Object.keys(constraints)[0];
  return `${error.property}=${value} (${constraints[rule]})`;
}

/** A bad value as the error line may show it: never a secret, never a password inside a URL. */
function shownValue(name: string, given: unknown): string {
  if (given === undefined) return '(unset)';
  if (/SECRET|PASSWORD|TOKEN/.test(name)) return '(hidden)';
  const text = String(given);
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return JSON.stringify(url.password ? url.toString() : text);
  } catch {
    return JSON.stringify(given);
  }
}
