import { STORAGE_SIZES } from '@app/contracts';
import { ConflictError, isUniqueViolation } from '@app/platform';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AssignConfig } from '../assign.config';
import { AddStorageUnitDto, ListStorageUnitsQuery } from './add-storage-unit.dto';
import { StorageUnit } from './storage-unit.entity';
import { StorageUnitsRepository } from './storage-units.repository';
import { seededUnitCode } from './seeded-unit-code';

export class DuplicateUnitCodeError extends ConflictError {}

@Injectable()
export class StorageUnitsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StorageUnitsService.name);

  constructor(
    private readonly units: StorageUnitsRepository,
    private readonly config: ConfigService<AssignConfig, true>,
  ) {}

  list(query: ListStorageUnitsQuery): Promise<StorageUnit[]> {
    // Only the filters given: TypeORM refuses `undefined` in a where condition.
    const where = { ...(query.location && { location: query.location }), ...(query.size && { size: query.size }) };
    return this.units.list(where);
  }

  async add(dto: AddStorageUnitDto): Promise<StorageUnit> {
    try {
      return await this.units.add(dto);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateUnitCodeError(`A storage unit with code ${dto.code} exists already`);
      throw error;
    }
  }

  /** A new installation gets an inventory so that a first rental works at once. */
  async onApplicationBootstrap(): Promise<void> {
    if (!(await this.units.isEmpty())) return;
    const locations = this.config.get('SEED_LOCATIONS', { infer: true }).split(',').filter(Boolean);
    const perSize = this.config.get('SEED_UNITS_PER_SIZE', { infer: true });
    const seed = locations.flatMap((location) =>
      STORAGE_SIZES.flatMap((size) =>
        Array.from({ length: perSize }, (_, i) => ({
          code: seededUnitCode(location, size, i + 1),
          location,
          size,
        })),
      ),
    );
    if (seed.length === 0) return;
    // Two replicas starting together both see an empty table; the unique code settles it.
    const added = await this.units.addMissing(seed);
    if (added > 0) this.logger.log(`Stocked a new inventory: ${added} units in ${locations.join(', ')}`);
  }
}
