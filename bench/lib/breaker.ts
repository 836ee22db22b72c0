import { gauge, scrape } from './prometheus';
import { round } from './stats';

export interface BreakerWatch {
  /** rental's log lines "Circuit to manage opened": every opening, when the bench owns the apps. */
  openingsLogged: number | null;
  /** Closed → open changes seen by polling circuit_breaker_state every 250 ms: a lower bound. */
  openingsSeen: number | null;
  /** Share of the polls that found the circuit open (or half-open). */
  shareOfTimeOpen: number | null;
  /** The state at the end of the phase: 0 closed, 1 open, 2 half-open. */
  stateAtEnd: number | null;
}

const POLL_MS = 250;

/** Watches rental's circuit to manage while a phase runs. */
export function watchBreaker(rentalUrl: string, loggedOpenings: () => number | undefined): { stop(): Promise<BreakerWatch> } {
  const loggedBefore = loggedOpenings();
  let polls = 0;
  let openPolls = 0;
  let openings = 0;
  // Unknown until the first poll: a circuit already open when the phase starts opened in the one before.
  let last: number | undefined;
  let running = true;
  const loop = (async () => {
    while (running) {
      const text = await scrape(rentalUrl);
      const state = text === undefined ? undefined : gauge(text, 'circuit_breaker_state');
      if (state !== undefined) {
        polls += 1;
        if (state !== 0) openPolls += 1;
        if (state === 1 && last !== undefined && last !== 1) openings += 1;
        last = state;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const loggedAfter = loggedOpenings();
      return {
        openingsLogged: loggedBefore === undefined || loggedAfter === undefined ? null : loggedAfter - loggedBefore,
        openingsSeen: polls === 0 ? null : openings,
        shareOfTimeOpen: polls === 0 ? null : round(openPolls / polls, 4),
        stateAtEnd: last ?? null,
      };
    },
  };
}
