import { ProxyRoute, routeOf } from '../proxy-routes';

/** The parts of an OpenAPI document that merging touches. */
export interface ApiDocument {
  openapi: string;
  info: { title: string; description?: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  security?: Record<string, string[]>[];
  tags?: { name: string }[];
}

/** How clients authenticate: the scheme every app declares (serveApiDocs), required on every public operation. */
const BEARER = { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } };

/**
 * One document for the public API: the operations the gateway passes on (prefix and method) from
 * each app's own document, with the schemas they use. Apps that did not answer are listed in the
 * description, not hidden.
 */
export function mergeApiDocs(
  documents: (ApiDocument | undefined)[],
  routes: Pick<ProxyRoute, 'prefix' | 'methods'>[],
  missing: string[],
): ApiDocument {
  const merged: ApiDocument = {
    openapi: '3.0.0',
    info: {
      title: 'Storage rental API',
      version: '1',
      description:
        'The public API, through the gateway. Every operation needs `Authorization: Bearer <JWT>` (`npm run token` makes one for local use).' +
        (missing.length > 0 ? ` Not available right now: ${missing.join(', ')}.` : ''),
    },
    paths: {},
    components: { schemas: {}, securitySchemes: BEARER },
    security: [{ bearer: [] }],
  };
  for (const document of documents) {
    if (!document) continue;
    for (const [path, operations] of Object.entries(document.paths)) {
      const route = routeOf(routes, path);
      const public_ = Object.entries(operations).filter(([method]) => route?.methods.some((m) => m.toLowerCase() === method));
      if (public_.length > 0) merged.paths[path] = Object.fromEntries(public_);
    }
    Object.assign(merged.components!.schemas!, document.components?.schemas ?? {});
  }
  return merged;
}
