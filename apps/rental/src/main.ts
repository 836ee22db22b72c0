import { startEventConsumer } from '@app/messaging';
import { createHttpApp, exitOnInvalidConfig } from '@app/platform';
import { RentalConfig } from './rental.config';
import { RentalModule } from './rental.module';

async function main() {
  const config = exitOnInvalidConfig(RentalConfig);
  const app = await createHttpApp(RentalModule, 'rental', config);
  startEventConsumer(app, 'rental');
  await app.listen(config.RENTAL_PORT, config.HOST);
}

void main();
