/** The app's name ('rental', 'assign', …): names its queues and its log lines. */
export const APP_NAME = Symbol('APP_NAME');
