import { createHttpApp, exitOnInvalidConfig } from '@app/platform';
import { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { registerProxyRoutes } from './proxy-routes';

async function main() {
  const config = exitOnInvalidConfig(GatewayConfig);
  const app = await createHttpApp(GatewayModule, 'gateway', config, { parseBodies: false });
  await registerProxyRoutes(app, config);
  await app.listen(config.GATEWAY_PORT, config.HOST);
}

void main();
