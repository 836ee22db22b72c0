// First: tracing patches `http` before anything else loads it.
import './tracing';
import { EventConsumer } from '@app/messaging';
import { AuthConfig, RentalTermsConfig, createHttpApp, exitOnInvalidConfig, serveApiDocs } from '@app/platform';
import { AssignConfig } from './assign.config';
import { AssignModule } from './assign.module';

async function main() {
  const config = exitOnInvalidConfig(AssignConfig, AuthConfig, RentalTermsConfig);
  const app = await createHttpApp(AssignModule, 'assign', config);
  serveApiDocs(app, 'assign', 'Storage units (inventory) and their assignments.');
  app.get(EventConsumer).start();
  await app.listen(config.ASSIGN_PORT, config.HOST);
}

void main();
