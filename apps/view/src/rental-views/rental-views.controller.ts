import { ApiBadRequestResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse, UuidParam } from '@app/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { ListByCustomerQuery } from '../list-by-customer.query';
import { RentalViewsService } from './rental-views.service';

@ApiTags('rental-views')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
@Controller('rental-views')
export class RentalViewsController {
  constructor(private readonly views: RentalViewsService) {}

  @Get()
  list(@Query() query: ListByCustomerQuery) {
    return this.views.listByCustomer(query);
  }

  @Get(':id')
  @ApiNotFoundResponse({ type: ErrorResponse })
  find(@UuidParam('id') id: string) {
    return this.views.find(id);
  }
}
