import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { GatewayConfig } from '../gateway.config';
import { GATEWAY_ROUTES, ProxyRoute } from '../proxy-routes';
import { ApiDocument, mergeApiDocs } from './merge-api-docs';

const FETCH_TIMEOUT_MS = 2000;

/**
 * The public API's combined OpenAPI document, fetched from the apps when asked for (so the gateway
 * never waits on them at start) and kept for API_DOCS_CACHE_MS: each miss costs one fetch per app,
 * and the page is public. Concurrent misses share one set of fetches. Only a complete document is
 * kept, so an app back from an outage is in the next answer.
 */
@Injectable()
export class ApiDocsService {
  private readonly cacheMs: number;
  private cached?: { document: ApiDocument; until: number };
  private fetching?: Promise<ApiDocument>;

  constructor(
    @Inject(GATEWAY_ROUTES) private readonly routes: ProxyRoute[],
    config: ConfigService<GatewayConfig, true>,
  ) {
    this.cacheMs = config.get('API_DOCS_CACHE_MS', { infer: true });
  }

  document(): Promise<ApiDocument> {
    if (this.cached && Date.now() < this.cached.until) return Promise.resolve(this.cached.document);
    this.fetching ??= this.fetchAndMerge().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async fetchAndMerge(): Promise<ApiDocument> {
    const apps = [...new Map(this.routes.map((route) => [route.app, route.upstream])).entries()];
    const documents = await Promise.all(
      apps.map(async ([, upstream]) => {
        // The body too: an answer that is not JSON, or breaks off, leaves that app out like one that is down.
        const response = await fetch(`${upstream}/docs-json`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }).catch(() => undefined);
        return response?.ok ? ((await response.json().catch(() => undefined)) as ApiDocument | undefined) : undefined;
      }),
    );
    const missing = apps.filter((_, i) => !documents[i]).map(([app]) => app);
    const document = mergeApiDocs(documents, this.routes, missing);
    if (missing.length === 0 && this.cacheMs > 0) this.cached = { document, until: Date.now() + this.cacheMs };
    return document;
  }
}
