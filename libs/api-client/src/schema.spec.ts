import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

describe('the typed client', () => {
  it('has the types openapi-typescript makes of the committed api/openapi.json (npm run api:client)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-client-'));
    try {
      const fresh = join(dir, 'schema.d.ts');
      execFileSync(join(ROOT, 'node_modules/.bin/openapi-typescript'), [join(ROOT, 'api/openapi.json'), '-o', fresh], { stdio: 'pipe' });
      expect(readFileSync(join(__dirname, 'schema.d.ts'), 'utf8')).toBe(readFileSync(fresh, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
