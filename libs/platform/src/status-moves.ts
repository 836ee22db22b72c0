/**
 * A status rule, written once as a total function, turned into the moves it makes:
 * `{ PENDING: 'CONFIRMED', REQUESTED: 'CONFIRMED' }`. A repository passes this to one SQL
 * statement that looks the current status up in it under the row lock, so the rule itself never
 * has to be written again in SQL.
 */
export function statusMoves<S extends string>(statuses: readonly S[], next: (status: S) => S): Partial<Record<S, S>> {
  return Object.fromEntries(statuses.filter((status) => next(status) !== status).map((status) => [status, next(status)])) as Partial<
    Record<S, S>
  >;
}
