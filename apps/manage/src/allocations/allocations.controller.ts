import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CalledBy, Caller, CurrentCaller, ErrorResponse, UuidParam } from '@app/platform';
import { Body, Controller, Get, HttpStatus, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AllocationsService } from './allocations.service';
import { RequestAllocationDto } from './request-allocation.dto';
import { AllocationResponse } from './allocation-response.dto';

@ApiTags('allocations')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No bearer token, or one that is expired or badly signed' })
@Controller('allocations')
export class AllocationsController {
  constructor(private readonly allocations: AllocationsService) {}

  /**
   * rental's call, with its service token and the applicant's own (the gateway does not route it).
   * 201 when this call created the allocation, 200 when it already existed.
   */
  @Post()
  @ApiOperation({ operationId: 'requestAllocation', summary: "Record an allocation request (rental's call, not public)" })
  @ApiCreatedResponse({ type: AllocationResponse, description: 'Recorded; 200 when it was recorded before' })
  @CalledBy('rental')
  @ApiConflictResponse({ type: ErrorResponse, description: 'The rental was abandoned; apply again with a new rental' })
  @ApiForbiddenResponse({ type: ErrorResponse, description: "Not rental's call, or the token's customer is not the allocation's" })
  async request(@Body() dto: RequestAllocationDto, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) reply: FastifyReply) {
    const { allocation, created } = await this.allocations.request(dto, caller);
    reply.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return allocation;
  }

  @Get(':rentalId')
  @ApiOperation({ operationId: 'getAllocation', summary: "A rental's allocation as manage knows it" })
  @ApiOkResponse({ type: AllocationResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: "No such allocation, or another customer's" })
  find(@UuidParam('rentalId') rentalId: string, @CurrentCaller() caller: Caller) {
    return this.allocations.find(rentalId, caller);
  }
}
