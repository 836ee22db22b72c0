/**
 * Writes package.json's version into the production overlay as committed: every image's tag and
 * the migration Job's name (deploy/k8s/base/db-setup.yaml says why the Job carries the release).
 * Runs as npm's `version` hook, so `npm version <new>` bumps, pins and stages it in one commit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
export const PRODUCTION_KUSTOMIZATION = join(ROOT, 'deploy/k8s/overlays/production/kustomization.yaml');

/** The overlay's text with `version` as every storage-rental image's tag and in the Job's name. */
export function pinRelease(text: string, version: string): string {
  return text
    .replace(/(\{ name: storage-rental\/[\w-]+, newTag: )"[^"]*"( \})/g, `$1"${version}"$2`)
    .replace(/(value: db-setup-)\S+/, `$1${version}`);
}

if (require.main === module) {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const before = readFileSync(PRODUCTION_KUSTOMIZATION, 'utf8');
  const after = pinRelease(before, version);
  writeFileSync(PRODUCTION_KUSTOMIZATION, after);
  console.log(`${before === after ? 'already pinned to' : 'pinned the production overlay to'} ${version}`);
}
