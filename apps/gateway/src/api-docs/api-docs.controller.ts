import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from '@app/platform';
import { ApiExcludeController } from '@nestjs/swagger';
import { GATEWAY_ROUTES, ProxyRoute } from '../proxy-routes';
import { ApiDocument, mergeApiDocs } from './merge-api-docs';

const FETCH_TIMEOUT_MS = 2000;

/** The public API's combined OpenAPI document, fetched from the apps when asked for, so the gateway never waits on them at start. */
@ApiExcludeController()
@Public()
@Controller()
export class ApiDocsController {
  constructor(@Inject(GATEWAY_ROUTES) private readonly routes: ProxyRoute[]) {}

  @Get('docs-json')
  async document(): Promise<ApiDocument> {
    const apps = [...new Map(this.routes.map((route) => [route.app, route.upstream])).entries()];
    const documents = await Promise.all(
      apps.map(async ([, upstream]) => {
        const response = await fetch(`${upstream}/docs-json`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }).catch(() => undefined);
        return response?.ok ? ((await response.json()) as ApiDocument) : undefined;
      }),
    );
    const missing = apps.filter((_, i) => !documents[i]).map(([app]) => app);
    return mergeApiDocs(documents, this.routes, missing);
  }
}
