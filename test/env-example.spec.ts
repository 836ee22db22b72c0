import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssignConfig } from '../apps/assign/src/assign.config';
import { GatewayConfig } from '../apps/gateway/src/gateway.config';
import { ManageConfig } from '../apps/manage/src/manage.config';
import { RentalConfig } from '../apps/rental/src/rental.config';
import { ViewConfig } from '../apps/view/src/view.config';
import { DbSetupConfig } from '../scripts/db-setup.config';
import { AuthConfig, ServiceTokenConfig } from '../libs/platform/src/auth/auth.config';
import { RentalTermsConfig } from '../libs/platform/src/rental-terms';

const text = readFileSync(join(__dirname, '../.env.example'), 'utf8');
const documented = new Map(
  text
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

describe('.env.example', () => {
  it.each([
    ['gateway', GatewayConfig],
    ['rental', RentalConfig],
    ['manage', ManageConfig],
    ['assign', AssignConfig],
    ['view', ViewConfig],
    ['db:setup', DbSetupConfig],
    ['rental and assign (rental terms)', RentalTermsConfig],
  ])('lists every variable %s reads, with its default', (_app, configClass) => {
    for (const [name, value] of Object.entries(new configClass())) {
      expect([name, documented.get(name)]).toEqual([name, String(value)]);
    }
  });

  it('lists the token settings, which have no default: a dev JWT_SECRET, the production ones commented out', () => {
    const names = Object.keys(new AuthConfig());
    expect(names.sort()).toEqual(['JWT_AUDIENCE', 'JWT_ISSUER', 'JWT_JWKS_URL', 'JWT_SECRET']);
    expect(documented.get('JWT_SECRET')?.length).toBeGreaterThanOrEqual(32);
    for (const name of names.filter((n) => n !== 'JWT_SECRET')) expect(text).toMatch(new RegExp(`^# ${name}=`, 'm'));
  });

  it('lists a development SERVICE_TOKEN_SECRET that the apps accept: long enough and not the JWT_SECRET', () => {
    expect(Object.keys(new ServiceTokenConfig())).toEqual(['SERVICE_TOKEN_SECRET']);
    expect(documented.get('SERVICE_TOKEN_SECRET')?.length).toBeGreaterThanOrEqual(32);
    expect(documented.get('SERVICE_TOKEN_SECRET')).not.toBe(documented.get('JWT_SECRET'));
  });
});
