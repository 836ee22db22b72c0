import { ConfigService } from '@nestjs/config';
import { decodeJwt } from 'jose';
import { ServiceTokenConfig } from './auth.config';
import { ServiceTokenRefusedError, ServiceTokens } from './service-tokens';

const configWith = (secret: string) =>
  ({ get: (key: keyof ServiceTokenConfig) => ({ SERVICE_TOKEN_SECRET: secret })[key] }) as unknown as ConfigService<
    ServiceTokenConfig,
    true
  >;
const config = configWith('a-unit-test-service-secret-of-32-characters');

describe('ServiceTokens', () => {
  afterEach(() => jest.useRealTimers());

  it('names the calling app, and the called one as its audience, as a short-lived service token', async () => {
    const token = await new ServiceTokens(config, 'rental').tokenFor('manage');
    const claims = decodeJwt(token);
    expect(claims).toEqual(expect.objectContaining({ sub: 'rental', aud: 'manage', role: 'service' }));
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    await expect(new ServiceTokens(config, 'manage').verify(token, ['rental'])).resolves.toBe('rental');
  });

  it('refuses a token for another app, from an app not allowed, signed with another key, or none', async () => {
    const token = await new ServiceTokens(config, 'rental').tokenFor('manage');
    await expect(new ServiceTokens(config, 'assign').verify(token, ['rental'])).rejects.toThrow(ServiceTokenRefusedError);
    await expect(new ServiceTokens(config, 'manage').verify(token, ['view'])).rejects.toThrow('rental may not call this');
    const forged = await new ServiceTokens(configWith('another-service-secret-of-32-characters!'), 'rental').tokenFor('manage');
    await expect(new ServiceTokens(config, 'manage').verify(forged, ['rental'])).rejects.toThrow('not valid');
    await expect(new ServiceTokens(config, 'manage').verify(undefined, ['rental'])).rejects.toThrow('no service token');
  });

  it('signs once for half a token’s life, then a new one; the callee refuses the old one once expired', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-02T10:00:00Z') });
    const rental = new ServiceTokens(config, 'rental');
    const manage = new ServiceTokens(config, 'manage');
    const first = await rental.tokenFor('manage');
    await manage.verify(first, ['rental']);
    jest.setSystemTime(new Date('2026-12-02T10:02:00Z'));
    expect(await rental.tokenFor('manage')).toBe(first);
    jest.setSystemTime(new Date('2026-12-02T10:02:31Z'));
    expect(await rental.tokenFor('manage')).not.toBe(first);
    jest.setSystemTime(new Date('2026-12-02T10:05:01Z'));
    await expect(manage.verify(first, ['rental'])).rejects.toThrow('not valid');
  });
});
