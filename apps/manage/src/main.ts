// First: tracing patches `http` before anything else loads it.
import './tracing';
import { EventConsumer } from '@app/messaging';
import { AuthConfig, ServiceTokenConfig, createHttpApp, exitOnInvalidConfig, serveApiDocs } from '@app/platform';
import { ManageConfig } from './manage.config';
import { ManageModule } from './manage.module';

async function main() {
  const config = exitOnInvalidConfig(ManageConfig, AuthConfig, ServiceTokenConfig);
  const app = await createHttpApp(ManageModule, 'manage', config);
  serveApiDocs(app, 'manage', 'Allocation requests and their status.');
  app.get(EventConsumer).start();
  await app.listen(config.MANAGE_PORT, config.HOST);
}

void main();
