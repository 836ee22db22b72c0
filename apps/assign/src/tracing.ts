import { startTracing } from '@app/platform/tracing';

startTracing('assign');
