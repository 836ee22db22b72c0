import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JWTPayload, JWTVerifyOptions, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { AuthConfig } from './auth.config';
import { Caller, ROLES, Role } from './caller';

/** The request carries no usable token: answered 401. */
export class InvalidTokenError extends Error {}

/** The issuer's signing keys cannot be fetched now: answered 503, the token itself may be fine. */
export class KeysUnavailableError extends Error {}

/** Customer ids are 1 to 64 characters (code points) everywhere (see ApplyRentalDto); a longer `sub` names no customer. */
const MAX_SUBJECT_LENGTH = 64;

const MAX_CACHED_TOKENS = 10_000;

/**
 * Checks bearer tokens with jose: HS256 with JWT_SECRET in development, RS256 with the keys at
 * JWT_JWKS_URL in production. Only the configured algorithm is accepted (no `none`, and no RS256
 * public key reused as an HS256 secret), and a token without `exp` is refused.
 */
@Injectable()
export class TokenVerifier {
  private readonly algorithm: 'HS256' | 'RS256';
  private readonly verifySignature: (token: string) => Promise<JWTPayload>;

  constructor(config: ConfigService<AuthConfig, true>) {
    const jwksUrl = config.get('JWT_JWKS_URL', { infer: true });
    this.algorithm = jwksUrl ? 'RS256' : 'HS256';
    const options: JWTVerifyOptions = {
      algorithms: [this.algorithm],
      issuer: config.get('JWT_ISSUER', { infer: true }) || undefined,
      audience: config.get('JWT_AUDIENCE', { infer: true }) || undefined,
      requiredClaims: ['sub', 'exp'],
    };
    if (jwksUrl) {
      // Fetched on first use and cached; refetched when a token names a key id it has not seen.
      const keys = createRemoteJWKSet(new URL(jwksUrl));
      this.verifySignature = async (token) => (await jwtVerify(token, keys, options)).payload;
    } else {
      const secret = new TextEncoder().encode(config.get('JWT_SECRET', { infer: true }));
      this.verifySignature = async (token) => (await jwtVerify(token, secret, options)).payload;
    }
  }

  /**
   * Tokens verified before, until they expire: a client sends the same token with every call,
   * and the gateway, rental and manage each check it. Bounded; the oldest entry goes first.
   */
  private readonly verified = new Map<string, { caller: Caller; expiresAt: number }>();

  /** The caller named by the value of an `Authorization` header. */
  async verify(authorization: string | undefined): Promise<Caller> {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new InvalidTokenError('Authorization: Bearer <token> is required');
    const known = this.verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.caller;
    this.verified.delete(token);
    return this.verifyToken(token);
  }

  private async verifyToken(token: string): Promise<Caller> {
    let payload: JWTPayload;
    try {
      payload = await this.verifySignature(token);
    } catch (error) {
      throw this.describe(error);
    }
    const role = payload.role as Role;
    if (!ROLES.includes(role)) throw new InvalidTokenError(`the token's role must be one of ${ROLES.join(', ')}`);
    if (!payload.sub || [...payload.sub].length > MAX_SUBJECT_LENGTH) {
      throw new InvalidTokenError(`the token's sub must be 1 to ${MAX_SUBJECT_LENGTH} characters`);
    }
    const caller = new Caller(payload.sub, role);
    if (this.verified.size >= MAX_CACHED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { caller, expiresAt: payload.exp! * 1000 });
    return caller;
  }

  private describe(error: unknown): Error {
    if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
      return new KeysUnavailableError(`the signing keys cannot be fetched: ${(error as Error).message}`);
    }
    if (error instanceof errors.JWTExpired) return new InvalidTokenError('the token has expired');
    if (error instanceof errors.JWTClaimValidationFailed)
      return new InvalidTokenError(`the token's ${error.claim} claim is not acceptable`);
    if (error instanceof errors.JOSEAlgNotAllowed) return new InvalidTokenError(`the token must be signed with ${this.algorithm}`);
    return new InvalidTokenError('the token is not valid: malformed or badly signed');
  }
}
