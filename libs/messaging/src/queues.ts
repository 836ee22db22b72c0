/**
 * Each app has three durable queues: `events` bound to the exchange, `retry` where failed
 * messages wait out their backoff (then return to `events`), and `dead` for what cannot succeed.
 */
export function queuesOf(app: string) {
  return { events: `${app}.events`, retry: `${app}.retry`, dead: `${app}.dead` };
}

/** Arguments of the events queue: anything rejected there goes to the app's dead-letter queue. */
export function eventsQueueArguments(app: string) {
  return { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queuesOf(app).dead };
}

/** Arguments of the retry queue: a message whose delay expires goes back to the events queue. */
export function retryQueueArguments(app: string) {
  return { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queuesOf(app).events };
}
