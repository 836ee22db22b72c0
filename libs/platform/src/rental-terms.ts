import type { StorageSize } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { IsInt, Matches, Max, Min } from 'class-validator';

/**
 * What a rental costs and how long it may last: one rule for the application (rental) and for the
 * quote shown before it (assign's availability), so the two can never disagree. Both apps read
 * these variables; a deployment gives them the same values (one ConfigMap).
 */
export class RentalTermsConfig {
  @IsInt() @Min(0) DAILY_RATE_CENTS_S: number = 150;
  @IsInt() @Min(0) DAILY_RATE_CENTS_M: number = 250;
  @IsInt() @Min(0) DAILY_RATE_CENTS_L: number = 400;
  @IsInt() @Min(0) DAILY_RATE_CENTS_XL: number = 600;

  @Matches(/^[A-Z]{3}$/, { message: '$property must be an ISO 4217 code such as EUR' })
  CURRENCY: string = 'EUR';

  /** Longest rental period accepted, in days. */
  @IsInt()
  @Min(1)
  @Max(3650)
  MAX_RENTAL_DAYS: number = 365;
}

export type DailyRates = Record<StorageSize, number>;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Both end days are rented: 1 to 1 is one day. */
export function daysInPeriod(startDate: string, endDate: string): number {
  return Math.round((Date.parse(endDate) - Date.parse(startDate)) / DAY_MS) + 1;
}

export function priceCents(size: StorageSize, startDate: string, endDate: string, rates: DailyRates): number {
  return rates[size] * daysInPeriod(startDate, endDate);
}

/** The first rule the period breaks, named by field, or undefined. `today` is UTC, `YYYY-MM-DD`. */
export function periodProblem(startDate: string, endDate: string, today: string, maxDays: number) {
  if (startDate < today) return { field: 'startDate', message: `startDate must be today (${today}) or later` };
  if (endDate < startDate) return { field: 'endDate', message: 'endDate must not be before startDate' };
  if (daysInPeriod(startDate, endDate) > maxDays)
    return { field: 'endDate', message: `endDate makes the rental longer than ${maxDays} days, the most a rental may last` };
  return undefined;
}

/** The configured terms: today's rates, currency and longest period. */
@Injectable()
export class RentalTerms {
  readonly currency: string;
  private readonly rates: DailyRates;
  private readonly maxDays: number;

  constructor(config: ConfigService<RentalTermsConfig, true>) {
    this.rates = {
      S: config.get('DAILY_RATE_CENTS_S', { infer: true }),
      M: config.get('DAILY_RATE_CENTS_M', { infer: true }),
      L: config.get('DAILY_RATE_CENTS_L', { infer: true }),
      XL: config.get('DAILY_RATE_CENTS_XL', { infer: true }),
    };
    this.currency = config.get('CURRENCY', { infer: true });
    this.maxDays = config.get('MAX_RENTAL_DAYS', { infer: true });
  }

  priceCents(size: StorageSize, startDate: string, endDate: string): number {
    return priceCents(size, startDate, endDate, this.rates);
  }

  /** What is wrong with the period as of today (UTC), named by field, or undefined. */
  periodProblem(startDate: string, endDate: string): { field: string; message: string } | undefined {
    return periodProblem(startDate, endDate, new Date().toISOString().slice(0, 10), this.maxDays);
  }
}
