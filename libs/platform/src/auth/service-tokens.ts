import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SignJWT, jwtVerify } from 'jose';
import { ServiceTokenConfig } from './auth.config';

/** The app this process is ('rental', 'manage', …): the `sub` of the tokens it signs, the `aud` it accepts. */
export const SERVICE_NAME = Symbol('SERVICE_NAME');

/** The header a service token travels in; `Authorization` keeps the customer's own token. */
export const SERVICE_TOKEN_HEADER = 'x-service-token';

/** A service token's `role`: never one of a customer token's ROLES. */
export const SERVICE_ROLE = 'service';

/** Short-lived, so a leaked token is soon worthless; renewed when half its life is gone. */
const LIFETIME_SECONDS = 300;

/** The service token is missing, forged, expired, for another audience or from a service not allowed here. */
export class ServiceTokenRefusedError extends Error {}

/**
 * Identities of the apps themselves, for their calls to each other: HS256 tokens signed with
 * SERVICE_TOKEN_SECRET, `sub` the calling app, `aud` the called one, `role: service`, a few minutes
 * long. They travel beside the customer's own bearer token, which the callee checks as well.
 */
@Injectable()
export class ServiceTokens {
  private readonly key: Uint8Array;
  private readonly issued = new Map<string, { token: string; renewAt: number }>();
  /** Tokens verified before, until they expire: a caller sends the same one for minutes. */
  private readonly verified = new Map<string, { caller: string; expiresAt: number }>();

  constructor(
    config: ConfigService<ServiceTokenConfig, true>,
    @Inject(SERVICE_NAME) private readonly self: string,
  ) {
    this.key = new TextEncoder().encode(config.get('SERVICE_TOKEN_SECRET', { infer: true }));
  }

  /** A token that says "this app calls `audience`". */
  async tokenFor(audience: string): Promise<string> {
    const known = this.issued.get(audience);
    if (known && known.renewAt > Date.now()) return known.token;
    const token = await new SignJWT({ role: SERVICE_ROLE })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(this.self)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${LIFETIME_SECONDS}s`)
      .sign(this.key);
    this.issued.set(audience, { token, renewAt: Date.now() + (LIFETIME_SECONDS * 1000) / 2 });
    return token;
  }

  /** The calling app named by a token sent to this one, if it is among `allowed`. */
  async verify(token: string | undefined, allowed: readonly string[]): Promise<string> {
    if (!token) throw new ServiceTokenRefusedError('no service token: only another app of this system may call this');
    const known = this.verified.get(token);
    const caller = known && known.expiresAt > Date.now() ? known.caller : await this.verifyToken(token);
    if (!allowed.includes(caller)) throw new ServiceTokenRefusedError(`${caller} may not call this; only ${allowed.join(', ')} may`);
    return caller;
  }

  private async verifyToken(token: string): Promise<string> {
    this.verified.delete(token);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: this.self, requiredClaims: ['sub', 'exp'] }));
    } catch {
      throw new ServiceTokenRefusedError('the service token is not valid: forged, expired or meant for another app');
    }
    if (payload.role !== SERVICE_ROLE) throw new ServiceTokenRefusedError(`a service token's role is ${SERVICE_ROLE}`);
    // Only the few apps that call this one send tokens, so the map stays small; cleared when it grows anyway.
    if (this.verified.size >= 100) this.verified.clear();
    this.verified.set(token, { caller: payload.sub!, expiresAt: payload.exp! * 1000 });
    return payload.sub!;
  }
}
