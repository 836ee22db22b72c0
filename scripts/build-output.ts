/** Where `npm run build` (one tsc program over tsconfig.build.json, rootDir ".") puts each entry point. */
export const appEntry = (app: string): string => `dist/apps/${app}/src/main.js`;

/** scripts/db-setup.ts, compiled: creates the databases and runs every app's migrations. */
export const DB_SETUP_ENTRY = 'dist/scripts/db-setup.js';

/** scripts/ops.ts, compiled: the operator's commands (queues, story, dead-letters), the ops image's main.js. */
export const OPS_ENTRY = 'dist/scripts/ops.js';
