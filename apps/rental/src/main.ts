// First: tracing patches `http` before anything else loads it.
import './tracing';
import { EventConsumer } from '@app/messaging';
import { AuthConfig, RentalTermsConfig, ServiceTokenConfig, createHttpApp, exitOnInvalidConfig, serveApiDocs } from '@app/platform';
import { RentalConfig } from './rental.config';
import { RentalModule } from './rental.module';

async function main() {
  const config = exitOnInvalidConfig(RentalConfig, AuthConfig, ServiceTokenConfig, RentalTermsConfig);
  const app = await createHttpApp(RentalModule, 'rental', config);
  serveApiDocs(app, 'rental', 'Rental applications: apply, read, cancel.');
  app.get(EventConsumer).start();
  await app.listen(config.RENTAL_PORT, config.HOST);
}

void main();
