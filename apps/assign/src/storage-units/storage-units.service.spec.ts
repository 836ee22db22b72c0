import { ConfigService } from '@nestjs/config';
import { FindOptionsWhere, QueryFailedError } from 'typeorm';
import { AssignConfig } from '../assign.config';
import { StorageUnit } from './storage-unit.entity';
import { NewStorageUnit, StorageUnitsRepository } from './storage-units.repository';
import { DuplicateUnitCodeError, StorageUnitsService } from './storage-units.service';

/** StorageUnitsRepository as the service uses it: what it was asked, and the answers each test sets. */
class UnitsTable {
  rows: Partial<StorageUnit>[] = [];
  finds: FindOptionsWhere<StorageUnit>[] = [];
  seeded: NewStorageUnit[][] = [];
  addFails?: Error;

  async list(where: FindOptionsWhere<StorageUnit>): Promise<Partial<StorageUnit>[]> {
    this.finds.push(where);
    return this.rows;
  }
  async add(unit: NewStorageUnit): Promise<Partial<StorageUnit>> {
    if (this.addFails) throw this.addFails;
    const saved = { id: this.rows.length + 1, ...unit };
    this.rows.push(saved);
    return saved;
  }
  async isEmpty(): Promise<boolean> {
    return this.rows.length === 0;
  }
  async addMissing(units: NewStorageUnit[]): Promise<number> {
    this.seeded.push(units);
    return units.length;
  }
}

/** What the driver throws for a refused INSERT, as TypeORM wraps it. */
const mariadbError = (errno: number, code: string) => new QueryFailedError('INSERT', [], Object.assign(new Error(code), { errno, code }));

function unitsService(seed: Partial<AssignConfig> = {}) {
  const table = new UnitsTable();
  const config = new ConfigService<AssignConfig, true>(
    Object.assign(new AssignConfig(), { SEED_LOCATIONS: 'berlin,hamburg', SEED_UNITS_PER_SIZE: 2 }, seed),
  );
  const service = new StorageUnitsService(table as unknown as StorageUnitsRepository, config);
  return { service, table };
}

describe('StorageUnitsService', () => {
  it('lists units by the filters given and no others', async () => {
    const { service, table } = unitsService();
    await service.list({ location: 'berlin', size: 'M' });
    await service.list({ size: 'S' });
    await service.list({});
    // Strict: a filter present but undefined is what TypeORM refuses.
    expect(table.finds).toStrictEqual([{ location: 'berlin', size: 'M' }, { size: 'S' }, {}]);
  });

  it('adds a unit and answers it as saved', async () => {
    const { service } = unitsService();
    expect(await service.add({ code: 'BER-M-09', location: 'berlin', size: 'M' })).toEqual({
      id: 1,
      code: 'BER-M-09',
      location: 'berlin',
      size: 'M',
    });
  });

  it('answers 409 naming the code when a unit with that code exists already', async () => {
    const { service, table } = unitsService();
    table.addFails = mariadbError(1062, 'ER_DUP_ENTRY');
    const refusal = service.add({ code: 'BER-M-01', location: 'berlin', size: 'M' });
    await expect(refusal).rejects.toBeInstanceOf(DuplicateUnitCodeError);
    await expect(refusal).rejects.toThrow('BER-M-01');
  });

  it('lets any other failure to save through as it is', async () => {
    const { service, table } = unitsService();
    table.addFails = mariadbError(1406, 'ER_DATA_TOO_LONG');
    await expect(service.add({ code: 'BER-M-01', location: 'berlin', size: 'M' })).rejects.toBeInstanceOf(QueryFailedError);
  });

  it('stocks a new installation with the configured units of every size in every location', async () => {
    const { service, table } = unitsService();
    await service.onApplicationBootstrap();
    expect(table.seeded).toHaveLength(1);
    const [values] = table.seeded;
    expect(values.map((u) => u.code)).toEqual([
      ...['BER-S-01', 'BER-S-02', 'BER-M-01', 'BER-M-02', 'BER-L-01', 'BER-L-02', 'BER-XL-01', 'BER-XL-02'],
      ...['HAM-S-01', 'HAM-S-02', 'HAM-M-01', 'HAM-M-02', 'HAM-L-01', 'HAM-L-02', 'HAM-XL-01', 'HAM-XL-02'],
    ]);
    expect(values[2]).toEqual({ code: 'BER-M-01', location: 'berlin', size: 'M' });
  });

  it('leaves an inventory alone once it has a unit', async () => {
    const { service, table } = unitsService();
    table.rows.push({ id: 1, code: 'OWN-1', location: 'berlin', size: 'S' });
    await service.onApplicationBootstrap();
    expect(table.seeded).toEqual([]);
  });

  it.each([
    ['no locations', { SEED_LOCATIONS: '' }],
    ['no units per size', { SEED_UNITS_PER_SIZE: 0 }],
  ])('stocks nothing when configured with %s', async (_case, seed) => {
    const { service, table } = unitsService(seed);
    await service.onApplicationBootstrap();
    expect(table.seeded).toEqual([]);
  });
});
