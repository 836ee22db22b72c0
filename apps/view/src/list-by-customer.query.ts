import { Type } from 'class-transformer';
import { IsPlainText } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';

/** `?customerId=…&page=1&pageSize=20`: one customer's items, newest first. A customer's own by default; an admin's omit it for everyone's. */
export class ListByCustomerQuery {
  @ValidateIf((_query, value) => value !== undefined)
  @IsPlainText(1, 64)
  customerId?: string;

  @ApiProperty({ required: false, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  page: number = 1;

  @ApiProperty({ required: false, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize: number = 20;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}
