/** The parts of an OpenAPI document that merging touches. */
export interface ApiDocument {
  openapi: string;
  info: { title: string; description?: string; version: string };
  paths: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
  tags?: { name: string }[];
}

/**
 * One document for the public API: the paths under `publicPrefixes` from each app's own document,
 * with the schemas they use. Apps that did not answer are listed in the description, not hidden.
 */
export function mergeApiDocs(documents: (ApiDocument | undefined)[], publicPrefixes: string[], missing: string[]): ApiDocument {
  const merged: ApiDocument = {
    openapi: '3.0.0',
    info: {
      title: 'Storage rental API',
      version: '1',
      description:
        'The public API, through the gateway.' + (missing.length > 0 ? ` Not available right now: ${missing.join(', ')}.` : ''),
    },
    paths: {},
    components: { schemas: {} },
  };
  const isPublic = (path: string) => publicPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  for (const document of documents) {
    if (!document) continue;
    for (const [path, operations] of Object.entries(document.paths)) {
      if (isPublic(path)) merged.paths[path] = operations;
    }
    Object.assign(merged.components!.schemas!, document.components?.schemas ?? {});
  }
  return merged;
}
