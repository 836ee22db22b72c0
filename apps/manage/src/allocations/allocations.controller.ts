import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse, UuidParam } from '@app/platform';
import { Body, Controller, Get, HttpStatus, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AllocationsService } from './allocations.service';
import { RequestAllocationDto } from './request-allocation.dto';

@ApiTags('allocations')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
@Controller('allocations')
export class AllocationsController {
  constructor(private readonly allocations: AllocationsService) {}

  /** 201 when this call created the allocation, 200 when it already existed. */
  @Post()
  @ApiConflictResponse({ type: ErrorResponse, description: 'The rental was abandoned; apply again with a new rental' })
  async request(@Body() dto: RequestAllocationDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { allocation, created } = await this.allocations.request(dto);
    reply.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return allocation;
  }

  @Get(':rentalId')
  @ApiNotFoundResponse({ type: ErrorResponse })
  find(@UuidParam('rentalId') rentalId: string) {
    return this.allocations.find(rentalId);
  }
}
