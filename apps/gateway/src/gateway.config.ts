import { CommonConfig } from '@app/platform';
import { IsInt, Matches, Max, Min } from 'class-validator';

const ORIGIN_LIST = /^(https?:\/\/[^\s,/]+)?(,https?:\/\/[^\s,/]+)*$/;

const HTTP_URL = /^https?:\/\/.+/;
const httpUrl = { message: '$property must be an http(s):// URL' };

export class GatewayConfig extends CommonConfig {
  @IsInt()
  @Min(1)
  @Max(65535)
  GATEWAY_PORT: number = 8088;

  @Matches(HTTP_URL, httpUrl)
  RENTAL_URL: string = 'http://127.0.0.1:8081';

  @Matches(HTTP_URL, httpUrl)
  MANAGE_URL: string = 'http://127.0.0.1:8082';

  @Matches(HTTP_URL, httpUrl)
  ASSIGN_URL: string = 'http://127.0.0.1:8083';

  @Matches(HTTP_URL, httpUrl)
  VIEW_URL: string = 'http://127.0.0.1:8084';

  /** Longest wait for an app's answer before the gateway answers 504. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  UPSTREAM_TIMEOUT_MS: number = 10_000;

  /** How long the combined /docs-json is kept before the apps are asked again; 0 asks them every time. */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  API_DOCS_CACHE_MS: number = 30_000;

  /** Requests each client may make per window: per customer once the token is verified, else per IP address. */
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  RATE_LIMIT_MAX: number = 600;

  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  RATE_LIMIT_WINDOW_MS: number = 60_000;

  /**
   * Proxies in front of the gateway whose X-Forwarded-For it believes (behind an ingress
   * controller: 1), so that callers without a valid token are throttled by their own address.
   */
  @IsInt()
  @Min(0)
  @Max(10)
  TRUST_PROXY_HOPS: number = 0;

  /** Browser origins allowed to call the API, comma-separated (`https://app.example,https://admin.example`). Empty: none. */
  @Matches(ORIGIN_LIST, { message: 'CORS_ORIGINS must be a comma-separated list of origins such as https://app.example' })
  CORS_ORIGINS: string = '';
}
