/**
 * npm run api:asyncapi — writes api/asyncapi.yaml, the AsyncAPI document of the events, from
 * libs/contracts (asyncApiYaml). asyncapi.spec.ts fails while the committed file differs from it.
 */
import { asyncApiYaml } from '@app/messaging/asyncapi';
import { writeFileSync } from 'node:fs';

export const ASYNCAPI_FILE = 'api/asyncapi.yaml';

if (require.main === module) {
  writeFileSync(ASYNCAPI_FILE, asyncApiYaml());
  console.log(`wrote ${ASYNCAPI_FILE}`);
}
