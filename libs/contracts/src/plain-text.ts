import { ValidationOptions, registerDecorator } from 'class-validator';

// C0 controls and DEL (NUL among them: PostgreSQL cannot store it), and UTF-16 halves without their other half.
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A name or id a person typed: any printable text, stored and returned as it came. Length counts
 * characters (code points), as the database's varchar does, not UTF-16 units as `@Length` does.
 */
export function isPlainText(value: unknown, min: number, max: number): value is string {
  if (typeof value !== 'string' || CONTROL.test(value) || LONE_SURROGATE.test(value)) return false;
  const length = [...value].length;
  return length >= min && length <= max;
}

export function IsPlainText(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPlainText',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must be ${min} to ${max} characters of text, without control characters`, ...options },
      validator: { validate: (value: unknown) => isPlainText(value, min, max) },
    });
}
