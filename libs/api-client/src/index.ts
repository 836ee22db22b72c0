import createClient from 'openapi-fetch';
import type { paths } from './schema';

export type { components, operations, paths } from './schema';

/**
 * A typed client of the public API through the gateway. Its types are generated from the committed
 * api/openapi.json (`npm run api:update`), so a call or an answer that the document does not
 * describe fails to compile.
 */
export function createApiClient(baseUrl: string, bearerToken?: string) {
  return createClient<paths>({ baseUrl, headers: bearerToken ? { authorization: `Bearer ${bearerToken}` } : {} });
}

export type ApiClient = ReturnType<typeof createApiClient>;
