// First: tracing patches `http` before anything else loads it.
import './tracing';
import { AuthConfig, createHttpApp, exitOnInvalidConfig } from '@app/platform';
import { SwaggerModule } from '@nestjs/swagger';
import { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { registerEdgeSecurity } from './edge-security';
import { proxyRoutes, registerProxyRoutes } from './proxy-routes';

async function main() {
  const config = exitOnInvalidConfig(GatewayConfig, AuthConfig);
  const app = await createHttpApp(GatewayModule, 'gateway', config, { parseBodies: false, trustProxyHops: config.TRUST_PROXY_HOPS });
  await registerEdgeSecurity(app, config, proxyRoutes(config));
  await registerProxyRoutes(app, config);
  // The page loads the combined document from /docs-json (ApiDocsController) instead of an embedded one.
  SwaggerModule.setup(
    'docs',
    app,
    { openapi: '3.0.0', info: { title: 'Storage rental API', version: '1' }, paths: {} },
    {
      raw: false,
      swaggerOptions: { url: '/docs-json', spec: {} },
    },
  );
  await app.listen(config.GATEWAY_PORT, config.HOST);
}

void main();
