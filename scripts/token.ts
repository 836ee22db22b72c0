/**
 * npm run token -- --sub <customerId> [--role customer|admin] [--ttl 12h]
 *
 * Prints a bearer token for local use, signed HS256 with JWT_SECRET (from the environment, .env or
 * .env.example, as the apps read it). Production tokens come from the real issuer (JWT_JWKS_URL).
 */
import { ROLES, Role } from '@app/platform';
import { SignJWT } from 'jose';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = 'usage: npm run token -- --sub <customerId> [--role customer|admin] [--ttl 12h]';

export function signToken(secret: string, sub: string, role: Role = 'customer', ttl = '12h'): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(secret));
}

/** The secret the apps would read: the environment first, then .env, then .env.example's dev value. */
function developmentSecret(): string | undefined {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  for (const file of ['.env', '.env.example']) {
    const line = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .find((l) => l.startsWith('JWT_SECRET='))
      : undefined;
    if (line) return line.slice('JWT_SECRET='.length);
  }
  return undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { sub: { type: 'string' }, role: { type: 'string', default: 'customer' }, ttl: { type: 'string', default: '12h' } },
  });
  const role = values.role as Role;
  if (!values.sub || values.sub.length > 64 || !ROLES.includes(role)) throw new Error(USAGE);
  const secret = developmentSecret();
  if (!secret) throw new Error('JWT_SECRET is not set (nor in .env or .env.example)');
  console.log(await signToken(secret, values.sub, role, values.ttl));
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
