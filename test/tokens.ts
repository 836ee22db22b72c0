import { createHmac } from 'node:crypto';
import { SERVICE_ROLE, SERVICE_TOKEN_HEADER } from '@app/platform';
import { E2E_JWT_SECRET, E2E_SERVICE_TOKEN_SECRET } from './e2e-env';

/**
 * HS256 tokens signed with node:crypto rather than jose, so the tests also check that the apps accept
 * any standard JWT, not only what our own signer makes.
 */
export function token(
  sub: string,
  role: string = 'customer',
  { secret = E2E_JWT_SECRET, expiresIn = 3600, alg = 'HS256', aud = '' } = {},
): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub, role, iat: now, exp: now + expiresIn, ...(aud ? { aud } : {}) };
  const unsigned = `${encode({ alg, typ: 'JWT' })}.${encode(claims)}`;
  const signature = alg === 'none' ? '' : createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

/** The `Authorization` header of a caller. */
export function as(sub: string, role: 'customer' | 'admin' = 'customer'): Record<string, string> {
  return { authorization: `Bearer ${token(sub, role)}` };
}

export const ADMIN = as('e2e-admin', 'admin');

/** The header of an app's call to another, as rental sends it to manage; each part can be made wrong. */
export function fromService(
  sub = 'rental',
  { aud = 'manage', role = SERVICE_ROLE, secret = E2E_SERVICE_TOKEN_SECRET, expiresIn = 300 } = {},
): Record<string, string> {
  return { [SERVICE_TOKEN_HEADER]: token(sub, role, { secret, expiresIn, aud }) };
}

/** rental's call to manage on behalf of a caller: the caller's bearer token and rental's service token. */
export const asRentalFor = (sub: string, role: 'customer' | 'admin' = 'customer') => ({ ...as(sub, role), ...fromService() });
