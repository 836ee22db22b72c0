import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Caller, CurrentCaller, ErrorResponse } from '@app/platform';
import { InjectRepository } from '@nestjs/typeorm';
import { Controller, Get, Query } from '@nestjs/common';
import { Repository } from 'typeorm';
import { ListByCustomerQuery, Page } from '../list-by-customer.query';
import { Notification } from './notification.entity';
import { NotificationPage } from './notification-response.dto';

@ApiTags('notifications')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No bearer token, or one that is expired or badly signed' })
@Controller('notifications')
export class NotificationsController {
  constructor(@InjectRepository(Notification) private readonly notifications: Repository<Notification>) {}

  @Get()
  @ApiOperation({ operationId: 'listNotifications', summary: 'What a customer was told, newest first' })
  @ApiOkResponse({ type: NotificationPage })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'A customer named another customer' })
  async list(@Query() query: ListByCustomerQuery, @CurrentCaller() caller: Caller): Promise<Page<Notification>> {
    const customerId = caller.customerScope(query.customerId);
    const [items, total] = await this.notifications.findAndCount({
      where: customerId === undefined ? {} : { customerId },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    });
    return { items, page: query.page, pageSize: query.pageSize, total };
  }
}
