import { ErrorResponse } from '@app/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AvailabilityQuery, AvailabilityResponse } from './availability.dto';
import { AvailabilityService } from './availability.service';

@ApiTags('availability')
@Controller('availability')
export class AvailabilityController {
  constructor(private readonly availability: AvailabilityService) {}

  /** How many units of each size are free for the whole period at a location, and what one costs. Any signed-in caller. */
  @Get()
  @ApiOperation({ operationId: 'getAvailability', summary: 'Free units and their price for a period' })
  @ApiOkResponse({ type: AvailabilityResponse })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
  @ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No bearer token, or one that is expired or badly signed' })
  find(@Query() query: AvailabilityQuery): Promise<AvailabilityResponse> {
    return this.availability.find(query);
  }
}
