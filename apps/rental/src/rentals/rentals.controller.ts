import { UuidParam } from '@app/platform';
import { BadRequestException, Body, Controller, Delete, Get, Headers, Post } from '@nestjs/common';
import { ApplyRentalDto } from './apply-rental.dto';
import { toRentalResponse } from './rental-response.dto';
import { RentalsService } from './rentals.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

@Controller('rentals')
export class RentalsController {
  constructor(private readonly rentals: RentalsService) {}

  @Post()
  async apply(@Body() dto: ApplyRentalDto, @Headers('idempotency-key') idempotencyKey?: string) {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequestException(['Idempotency-Key must be 1 to 128 visible ASCII characters']);
    }
    return toRentalResponse(await this.rentals.apply(dto, idempotencyKey));
  }

  @Get(':id')
  async find(@UuidParam('id') id: string) {
    return toRentalResponse(await this.rentals.find(id));
  }

  @Delete(':id')
  async cancel(@UuidParam('id') id: string) {
    return toRentalResponse(await this.rentals.cancel(id));
  }
}
