import { BrokerConfig } from '@app/messaging';
import { IsInt, Matches, Max, Min, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { seedCodePrefixOf } from './storage-units/seeded-unit-code';

/** Seeded codes start with the location's first three letters: two locations sharing them would share codes. */
@ValidatorConstraint({ name: 'distinctCodePrefixes' })
class DistinctCodePrefixes implements ValidatorConstraintInterface {
  validate(value: string): boolean {
    const prefixes = value.split(',').filter(Boolean).map(seedCodePrefixOf);
    return new Set(prefixes).size === prefixes.length;
  }

  defaultMessage(): string {
    return "$property must name locations whose first three letters differ (they begin the seeded units' codes)";
  }
}

export class AssignConfig extends BrokerConfig {
  @IsInt()
  @Min(1)
  @Max(65535)
  ASSIGN_PORT: number = 8083;

  @Matches(/^(mysql|mariadb):\/\/.+/, { message: '$property must be a mysql:// or mariadb:// URL' })
  ASSIGN_DATABASE_URL: string = 'mysql://assign@127.0.0.1:3306/assign';

  /** Locations stocked on first start (comma-separated); empty for none. */
  @Matches(/^([a-z0-9-]{1,64}(,[a-z0-9-]{1,64})*)?$/, { message: '$property must be comma-separated location names (a-z, 0-9, -)' })
  @Validate(DistinctCodePrefixes)
  SEED_LOCATIONS: string = 'berlin,hamburg,munich';

  /** Units of each size per seeded location. */
  @IsInt()
  @Min(0)
  @Max(1000)
  SEED_UNITS_PER_SIZE: number = 5;
}
