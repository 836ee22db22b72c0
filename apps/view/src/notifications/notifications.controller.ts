import { ApiBadRequestResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse } from '@app/platform';
import { InjectRepository } from '@nestjs/typeorm';
import { Controller, Get, Query } from '@nestjs/common';
import { Repository } from 'typeorm';
import { ListByCustomerQuery, Page } from '../list-by-customer.query';
import { Notification } from './notification.entity';

@ApiTags('notifications')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
@Controller('notifications')
export class NotificationsController {
  constructor(@InjectRepository(Notification) private readonly notifications: Repository<Notification>) {}

  @Get()
  async list(@Query() query: ListByCustomerQuery): Promise<Page<Notification>> {
    const [items, total] = await this.notifications.findAndCount({
      where: { customerId: query.customerId },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    });
    return { items, page: query.page, pageSize: query.pageSize, total };
  }
}
