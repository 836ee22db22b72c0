import { IsOptional, IsString, Length, Matches, ValidateBy, ValidateIf } from 'class-validator';

/** How the apps that serve requests check bearer tokens. Validated beside each app's own config. */
export class AuthConfig {
  /**
   * Development: the HS256 key that signs and checks bearer tokens (`npm run token`), shared by
   * every app. No default, so that no deployment runs on a published key by mistake.
   */
  @ValidateIf((config: AuthConfig) => !config.JWT_JWKS_URL)
  @IsString({ message: 'JWT_SECRET must be set (at least 32 characters), unless JWT_JWKS_URL is' })
  @Length(32, 512, { message: 'JWT_SECRET must be 32 to 512 characters' })
  JWT_SECRET?: string;

  /** Production: where the token issuer publishes its RS256 public keys. Excludes JWT_SECRET. */
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'JWT_JWKS_URL must be an http(s):// URL' })
  @ValidateBy({
    name: 'withoutSecret',
    validator: {
      validate: (_url, args) => !(args?.object as AuthConfig).JWT_SECRET,
      defaultMessage: () => 'set JWT_JWKS_URL or JWT_SECRET, not both',
    },
  })
  JWT_JWKS_URL?: string;

  /** When set, a token's `iss` must equal it. */
  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  /** When set, a token's `aud` must include it. */
  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;
}

/**
 * The key the apps sign their own calls to each other with (rental → manage), so that a callee can
 * tell a service from a customer. Only the apps hold it; the customers' issuer never does.
 */
export class ServiceTokenConfig {
  @IsString({ message: 'SERVICE_TOKEN_SECRET must be set (at least 32 characters)' })
  @Length(32, 512, { message: 'SERVICE_TOKEN_SECRET must be 32 to 512 characters' })
  @ValidateBy({
    name: 'notTheCustomersKey',
    validator: {
      // Each config instance holds the whole environment, so JWT_SECRET is here too.
      validate: (secret, args) => secret !== (args?.object as AuthConfig).JWT_SECRET,
      defaultMessage: () =>
        'SERVICE_TOKEN_SECRET must differ from JWT_SECRET: whoever signs customer tokens could otherwise sign service tokens',
    },
  })
  SERVICE_TOKEN_SECRET!: string;
}
