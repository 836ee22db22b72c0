import { ValidationOptions, registerDecorator } from 'class-validator';

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real day written `YYYY-MM-DD` (so `2026-02-30` is false). Arithmetic, not Date: it runs for every date of every request and event. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = CALENDAR_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The decorator's name in class-validator's metadata: the AsyncAPI document maps it to a JSON Schema date. */
export const IS_CALENDAR_DATE = 'isCalendarDate';

export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: IS_CALENDAR_DATE,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a real date written YYYY-MM-DD', ...options },
      validator: { validate: isCalendarDate },
    });
}
