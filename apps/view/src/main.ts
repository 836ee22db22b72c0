// First: tracing patches `http` before anything else loads it.
import './tracing';
import { EventConsumer } from '@app/messaging';
import { AuthConfig, createHttpApp, exitOnInvalidConfig, serveApiDocs } from '@app/platform';
import { ViewConfig } from './view.config';
import { ViewModule } from './view.module';

async function main() {
  const config = exitOnInvalidConfig(ViewConfig, AuthConfig);
  const app = await createHttpApp(ViewModule, 'view', config);
  serveApiDocs(app, 'view', 'Read model: rental status and history, customer notifications.');
  app.get(EventConsumer).start();
  await app.listen(config.VIEW_PORT, config.HOST);
}

void main();
