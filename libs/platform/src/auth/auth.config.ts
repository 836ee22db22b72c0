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
