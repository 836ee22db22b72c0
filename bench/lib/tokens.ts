import { SignJWT } from 'jose';

/** JWT_SECRET, or the development secret the apps fall back to; the bench's own system gets the same. */
export const JWT_SECRET = process.env.JWT_SECRET ?? 'dev-only-jwt-secret-do-not-use-in-production-0123456789';

const secret = new TextEncoder().encode(JWT_SECRET);

/** A bearer token as the identity provider would issue it: a customer acts only for itself. */
export async function bearer(subject: string, role: 'customer' | 'admin' = 'customer'): Promise<string> {
  const token = await new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(secret);
  return `Bearer ${token}`;
}
