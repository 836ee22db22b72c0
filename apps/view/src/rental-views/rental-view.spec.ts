import { ViewStatus, statusAfter } from './rental-view';

const replay = (types: string[]) => types.reduce<ViewStatus | null>((status, type) => statusAfter(status, type), null);

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('rental view status', () => {
  it('follows the happy path', () => {
    expect(replay(['RentalRequested'])).toBe('REQUESTED');
    expect(replay(['RentalRequested', 'AllocationRequested', 'StorageAssigned'])).toBe('CONFIRMED');
  });

  it.each([
    [['RentalRequested', 'AllocationRequested', 'StorageAssigned'], 'CONFIRMED'],
    [['RentalRequested', 'AllocationRequested', 'StorageUnavailable'], 'REJECTED'],
    [['RentalRequested', 'StorageAssigned', 'RentalCancelled', 'AllocationCancelled', 'StorageReleased'], 'CANCELLED'],
  ] as const)('reaches the same status in every arrival order of %j', (events, expected) => {
    for (const order of permutations([...events])) expect(replay(order)).toBe(expected);
  });

  it('ignores a duplicate of an earlier event', () => {
    expect(replay(['RentalRequested', 'StorageAssigned', 'RentalRequested'])).toBe('CONFIRMED');
  });
});
