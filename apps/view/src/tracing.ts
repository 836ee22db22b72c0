import { startTracing } from '@app/platform/tracing';

startTracing('view');
