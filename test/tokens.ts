import { createHmac } from 'node:crypto';
import { E2E_JWT_SECRET } from './e2e-env';

/**
 * HS256 tokens signed with node:crypto rather than jose, so the tests also check that the apps accept
 * any standard JWT, not only what our own signer makes.
 */
export function token(sub: string, role: string = 'customer', { secret = E2E_JWT_SECRET, expiresIn = 3600, alg = 'HS256' } = {}): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg, typ: 'JWT' })}.${encode({ sub, role, iat: now, exp: now + expiresIn })}`;
  const signature = alg === 'none' ? '' : createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

/** The `Authorization` header of a caller. */
export function as(sub: string, role: 'customer' | 'admin' = 'customer'): Record<string, string> {
  return { authorization: `Bearer ${token(sub, role)}` };
}

export const ADMIN = as('e2e-admin', 'admin');
