import { StorageSize } from '@app/contracts';

/** A seeded unit's code starts with its location's first three letters, upper case. */
export function seedCodePrefixOf(location: string): string {
  return location.slice(0, 3).toUpperCase();
}

/** The code of the n-th (from 1) seeded unit of a size in a location: `BER-M-01`. */
export function seededUnitCode(location: string, size: StorageSize, n: number): string {
  return `${seedCodePrefixOf(location)}-${size}-${String(n).padStart(2, '0')}`;
}
