import { asyncApiYaml } from '@app/messaging/asyncapi';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASYNCAPI_FILE } from '../scripts/asyncapi';

describe(ASYNCAPI_FILE, () => {
  it('is what libs/contracts generate now', () => {
    const committed = readFileSync(join(__dirname, '..', ASYNCAPI_FILE), 'utf8').split('\n');
    const generated = asyncApiYaml().split('\n');
    const line = generated.findIndex((text, i) => text !== committed[i]);
    if (line === -1 && committed.length === generated.length) return;
    const at = line === -1 ? generated.length : line;
    throw new Error(
      `${ASYNCAPI_FILE} differs from what libs/contracts generate, from line ${at + 1}:\n` +
        `  committed: ${committed[at] ?? '(end of file)'}\n  generated: ${generated[at] ?? '(end of file)'}\n` +
        'Run `npm run api:asyncapi` and commit the file.',
    );
  });
});
