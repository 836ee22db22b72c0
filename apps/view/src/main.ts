import { startEventConsumer } from '@app/messaging';
import { createHttpApp, exitOnInvalidConfig } from '@app/platform';
import { ViewConfig } from './view.config';
import { ViewModule } from './view.module';

async function main() {
  const config = exitOnInvalidConfig(ViewConfig);
  const app = await createHttpApp(ViewModule, 'view', config);
  startEventConsumer(app, 'view');
  await app.listen(config.VIEW_PORT, config.HOST);
}

void main();
