// Decorator metadata is only recorded if this is loaded before the classes below are defined.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsString, Length, Max, Min, ValidationError, validateSync } from 'class-validator';
import { existsSync } from 'node:fs';

/**
 * Settings every app reads. Each app's config class extends this and adds its own. Annotate each
 * field's type: the conversion from environment strings reads it from the decorator metadata.
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

/** Turns the environment into a typed config object, or throws naming every bad variable. */
export function validateConfig<T extends object>(configClass: new () => T) {
  return (env: Record<string, unknown>): T => {
    const config = plainToInstance(configClass, env, { enableImplicitConversion: true });
    const errors = validateSync(config);
    if (errors.length > 0) {
      throw new InvalidConfigError(`Invalid configuration: ${errors.map((e) => describe(e, env)).join('; ')}`);
    }
    return config;
  };
}

/**
 * @nestjs/config validates inside Nest's start-up, where a failure surfaces as a stack trace. We run
 * the same validation first so that a bad variable stops the app with one line that names it.
 */
export function exitOnInvalidConfig<T extends object>(configClass: new () => T): T {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return validateConfig(configClass)(process.env);
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/** Of a value's failed rules, the one to tell: its kind (not an integer, not a URL) before its range. */
const KIND_RULES = ['isInt', 'isString', 'isIn', 'matches'];

function describe(error: ValidationError, env: Record<string, unknown>): string {
  const given = env[error.property];
  const value = given === undefined ? '(unset)' : JSON.stringify(given);
  const constraints = error.constraints ?? {};
  const rule = KIND_RULES.find((name) => name in constraints) ?? Object.keys(constraints)[0];
  return `${error.property}=${value} (${constraints[rule]})`;
}
