import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ListByCustomerQuery } from '../list-by-customer.query';
import { RentalViewsService } from './rental-views.service';

@Controller('rental-views')
export class RentalViewsController {
  constructor(private readonly views: RentalViewsService) {}

  @Get()
  list(@Query() query: ListByCustomerQuery) {
    return this.views.listByCustomer(query);
  }

  @Get(':id')
  find(@Param('id', ParseUUIDPipe) id: string) {
    return this.views.find(id);
  }
}
