import { ApiBadRequestResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Caller, CurrentCaller, ErrorResponse, UuidParam } from '@app/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { ListByCustomerQuery } from '../list-by-customer.query';
import { RentalViewsService } from './rental-views.service';

@ApiTags('rental-views')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No bearer token, or one that is expired or badly signed' })
@Controller('rental-views')
export class RentalViewsController {
  constructor(private readonly views: RentalViewsService) {}

  @Get()
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'A customer named another customer' })
  list(@Query() query: ListByCustomerQuery, @CurrentCaller() caller: Caller) {
    return this.views.list(caller.customerScope(query.customerId), query);
  }

  @Get(':id')
  @ApiNotFoundResponse({ type: ErrorResponse, description: "No such rental, or another customer's" })
  find(@UuidParam('id') id: string, @CurrentCaller() caller: Caller) {
    return this.views.find(id, caller);
  }
}
