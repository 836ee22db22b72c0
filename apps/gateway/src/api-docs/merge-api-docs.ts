import { ProxyRoute, routeOf } from '../proxy-routes';

/** The parts of an OpenAPI document that merging touches. */
export interface ApiDocument {
  openapi: string;
  info: { title: string; description?: string; version: string; license?: { name: string; url?: string } };
  servers?: { url: string; description?: string }[];
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  security?: Record<string, string[]>[];
  tags?: { name: string }[];
}

/** How clients authenticate: the scheme every app declares (serveApiDocs), required on every public operation. */
const BEARER = { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } };
/** Begins the description's note of schema names two apps define differently. */
export const SCHEMA_CLASHES_NOTE = 'Schema names defined differently by two apps:';
const SCHEMA_REF = /"#\/components\/schemas\/([^"]+)"/g;

/**
 * One document for the public API: the operations the gateway passes on (prefix and method) from
 * each app's own document, with the schemas they use and no others. Apps that did not answer are
 * listed in the description, not hidden; so are schema names two apps define differently (the
 * first is kept), which a test of the committed document refuses.
 */
export function mergeApiDocs(
  documents: (ApiDocument | undefined)[],
  routes: Pick<ProxyRoute, 'prefix' | 'methods'>[],
  missing: string[],
): ApiDocument {
  const paths: ApiDocument['paths'] = {};
  const schemas: Record<string, unknown> = {};
  const clashes = new Set<string>();
  for (const document of documents) {
    if (!document) continue;
    for (const [path, operations] of Object.entries(document.paths)) {
      const route = routeOf(routes, path);
      const public_ = Object.entries(operations).filter(([method]) => route?.methods.some((m) => m.toLowerCase() === method));
      if (public_.length > 0) paths[path] = Object.fromEntries(public_.map(([method, operation]) => [method, withProblems(operation)]));
    }
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      if (!(name in schemas)) schemas[name] = schema;
      else if (JSON.stringify(schemas[name]) !== JSON.stringify(schema)) clashes.add(name);
    }
  }
  const notes = [
    ...(missing.length > 0 ? [`Not available right now: ${missing.join(', ')}.`] : []),
    ...(clashes.size > 0 ? [`${SCHEMA_CLASHES_NOTE} ${[...clashes].sort().join(', ')}.`] : []),
  ];
  return {
    openapi: '3.0.0',
    info: {
      title: 'Storage rental API',
      version: '1',
      description: [
        'The public API, through the gateway. Every operation needs `Authorization: Bearer <JWT>` (`npm run token` makes one for local use).',
        ...notes,
      ].join(' '),
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
    },
    servers: [{ url: 'http://127.0.0.1:8088', description: 'The gateway of `npm run start:all`; in a cluster, the Ingress host' }],
    paths,
    components: { schemas: usedSchemas(paths, schemas), securitySchemes: BEARER },
    security: [{ bearer: [] }],
  };
}

/** Error answers are application/problem+json (every app answers them so); Nest's decorators say application/json. */
function withProblems(operation: unknown): unknown {
  const responses = (operation as { responses?: Record<string, { content?: Record<string, unknown> }> }).responses;
  if (!responses) return operation;
  const rewritten = Object.entries(responses).map(([status, response]) => {
    const json = response.content?.['application/json'];
    if (Number(status) < 400 || !json) return [status, response];
    return [status, { ...response, content: { 'application/problem+json': json } }];
  });
  return { ...(operation as object), responses: Object.fromEntries(rewritten) };
}

/** The schemas the paths refer to, and those they refer to in turn, in name order. */
function usedSchemas(paths: ApiDocument['paths'], schemas: Record<string, unknown>): Record<string, unknown> {
  const used = new Set<string>();
  const visit = (node: unknown) => {
    for (const [, name] of JSON.stringify(node).matchAll(SCHEMA_REF)) {
      if (used.has(name) || !(name in schemas)) continue;
      used.add(name);
      visit(schemas[name]);
    }
  };
  visit(paths);
  return Object.fromEntries([...used].sort().map((name) => [name, schemas[name]]));
}
