import { Controller, Get, Header } from '@nestjs/common';
import { register } from 'prom-client';
import { Public } from '../auth/access.decorators';

@Public()
@Controller('metrics')
export class MetricsController {
  /** Prometheus text format; gauges that need the database or the broker are read at scrape time. */
  @Get()
  @Header('content-type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
