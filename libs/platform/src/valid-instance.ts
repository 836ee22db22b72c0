import { ValidationArguments, ValidationTypes, getMetadataStorage } from 'class-validator';

/** One rule of one property, as class-validator's metadata states it, ready to call. */
interface Rule {
  validate: (value: unknown, args: ValidationArguments) => unknown;
  constraints: unknown[];
  each: boolean;
  validateIf?: (object: object, value: unknown) => boolean;
}

/** What validateSync is asked besides the defaults: `forbidNonWhitelisted` (with `whitelist`), as the ValidationPipe asks it. */
export interface InstanceCheck {
  forbidUnknownProperties?: boolean;
}

interface PropertyRules {
  property: string;
  /** @IsOptional and @ValidateIf: the property's rules apply only when all of these say so. */
  conditions: ((object: object, value: unknown) => boolean)[];
  rules: Rule[];
}

const compiled = new WeakMap<Function, { properties: PropertyRules[]; names: Set<string> } | null>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type

/**
 * Whether validateSync would find nothing wrong with the instance, at a fraction of its cost: the
 * class's rules are read from class-validator's metadata once, then called directly, without
 * building error objects. It reads the same metadata and calls the same validators in the same
 * way as validateSync with its default options (or forbidding unknown properties), for the kinds of
 * rule our events and request bodies use; a class with any other kind (nested, promise, whitelist)
 * is not compiled, and `undefined` says to ask validateSync. Callers still ask validateSync for the
 * messages of an invalid instance.
 */
export function isValidInstance(instance: object, { forbidUnknownProperties = false }: InstanceCheck = {}): boolean | undefined {
  const type = instance.constructor;
  let rulesOfType = compiled.get(type);
  if (rulesOfType === undefined) {
    rulesOfType = compile(type);
    compiled.set(type, rulesOfType);
  }
  if (rulesOfType === null) return undefined;
  const { properties, names } = rulesOfType;
  if (forbidUnknownProperties && Object.keys(instance).some((key) => !names.has(key))) return false;
  for (const { property, conditions, rules } of properties) {
    const value = (instance as Record<string, unknown>)[property];
    if (!conditions.every((condition) => condition(instance, value))) continue;
    for (const rule of rules) {
      if (rule.validateIf && !rule.validateIf(instance, value)) continue;
      const args = { targetName: type.name, property, object: instance, value, constraints: rule.constraints };
      const valid =
        rule.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)
          ? [...(value instanceof Map ? value.values() : value)].every((item) => rule.validate(item, args))
          : rule.validate(value, args);
      if (!valid) return false;
    }
  }
  return true;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function compile(type: Function): { properties: PropertyRules[]; names: Set<string> } | null {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(type, '', false, false);
  // validateSync reports an unknown value for a class without rules: leave that to it.
  if (metadatas.length === 0) return null;
  const properties: PropertyRules[] = [];
  for (const [property, list] of Object.entries(storage.groupByPropertyName(metadatas))) {
    const rules: Rule[] = [];
    const conditions: PropertyRules['conditions'] = [];
    for (const metadata of list) {
      if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        conditions.push(metadata.constraints[0]);
      } else if (metadata.type === ValidationTypes.CUSTOM_VALIDATION || metadata.type === ValidationTypes.IS_DEFINED) {
        for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
          // validateSync skips asynchronous validators too.
          if (constraint.async) continue;
          const validate = constraint.instance.validate.bind(constraint.instance);
          rules.push({ validate, constraints: metadata.constraints, each: metadata.each, validateIf: metadata.validateIf });
        }
      } else {
        return null;
      }
    }
    properties.push({ property, conditions, rules });
  }
  return { properties, names: new Set(properties.map(({ property }) => property)) };
}
