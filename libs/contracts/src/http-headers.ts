/**
 * The header a client sets on `POST /rentals` so that sending it again (after a timeout, say)
 * returns the first answer instead of a second rental.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
