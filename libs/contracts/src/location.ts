import { ValidationOptions, registerDecorator } from 'class-validator';

/** A location's name, as inventory, applications and availability spell it. */
export const LOCATION_NAME = /^[a-z0-9-]{1,64}$/;

export function IsLocationName(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isLocationName',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be 1 to 64 lower-case letters, digits or dashes', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && LOCATION_NAME.test(value) },
    });
}
