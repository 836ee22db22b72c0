import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Caller, CurrentCaller, ErrorResponse, UuidParam } from '@app/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { ListByCustomerQuery } from '../list-by-customer.query';
import { RentalViewsService } from './rental-views.service';
import { RentalViewPage, RentalViewResponse } from './rental-view-response.dto';

@ApiTags('rental-views')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No bearer token, or one that is expired or badly signed' })
@Controller('rental-views')
export class RentalViewsController {
  constructor(private readonly views: RentalViewsService) {}

  @Get()
  @ApiOperation({ operationId: 'listRentalViews', summary: "A customer's rentals, newest first" })
  @ApiOkResponse({ type: RentalViewPage })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'A customer named another customer' })
  list(@Query() query: ListByCustomerQuery, @CurrentCaller() caller: Caller) {
    return this.views.list(caller.customerScope(query.customerId), query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getRentalView', summary: "A rental's status and history (the read model)" })
  @ApiOkResponse({ type: RentalViewResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: "No such rental, or another customer's" })
  find(@UuidParam('id') id: string, @CurrentCaller() caller: Caller) {
    return this.views.find(id, caller);
  }
}
