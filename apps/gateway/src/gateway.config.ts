import { CommonConfig } from '@app/platform';
import { IsInt, Matches, Max, Min } from 'class-validator';

const HTTP_URL = /^https?:\/\/.+/;
const httpUrl = { message: '$property must be an http(s):// URL' };

export class GatewayConfig extends CommonConfig {
  @IsInt() @Min(1) @Max(65535)
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
  @IsInt() @Min(100) @Max(120_000)
  UPSTREAM_TIMEOUT_MS: number = 10_000;
}
