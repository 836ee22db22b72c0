import { IDEMPOTENCY_KEY_HEADER } from '@app/contracts';
import { Caller, CurrentCaller, ErrorResponse, InvalidInputError, UuidParam } from '@app/platform';
import { Body, Controller, Delete, Get, Headers, Post } from '@nestjs/common';
import { ApplyRentalDto } from './apply-rental.dto';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { RentalResponse, toRentalResponse } from './rental-response.dto';
import { RentalsService } from './rentals.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

@ApiTags('rentals')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No bearer token, or one that is expired or badly signed' })
@Controller('rentals')
export class RentalsController {
  constructor(private readonly rentals: RentalsService) {}

  /**
   * Apply for a rental, for the customer the token names (an admin names the customer in the body).
   * Answers 201 once manage has accepted the allocation request; the outcome follows in the read model.
   */
  @Post()
  @ApiOperation({ operationId: 'applyForRental', summary: 'Apply for a rental' })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'The body names another customer than the token' })
  @ApiCreatedResponse({ type: RentalResponse, description: 'Accepted: status REQUESTED' })
  @ApiHeader({ name: IDEMPOTENCY_KEY_HEADER, required: false, description: 'The same key with the same body returns the first rental' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The first request with this Idempotency-Key is still in progress' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponse, description: 'The Idempotency-Key was used with another body' })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'manage cannot be reached; retry after Retry-After seconds' })
  async apply(
    @Body() dto: ApplyRentalDto,
    @CurrentCaller() caller: Caller,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey?: string,
  ): Promise<RentalResponse> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new InvalidInputError('Idempotency-Key', 'Idempotency-Key must be 1 to 128 visible ASCII characters');
    }
    return toRentalResponse(await this.rentals.apply(dto, caller, idempotencyKey));
  }

  /** The rental as rental knows it (command side). Another customer's rental is answered 404, as if it did not exist. */
  @Get(':id')
  @ApiOperation({ operationId: 'getRental', summary: 'A rental as rental knows it' })
  @ApiOkResponse({ type: RentalResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async find(@UuidParam('id') id: string, @CurrentCaller() caller: Caller): Promise<RentalResponse> {
    return toRentalResponse(await this.rentals.find(id, caller));
  }

  /** Cancel: the unit is released through manage and assign. */
  @Delete(':id')
  @ApiOperation({ operationId: 'cancelRental', summary: 'Cancel a rental' })
  @ApiOkResponse({ type: RentalResponse, description: 'Cancelled; the unit is released asynchronously' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: "No such rental, or another customer's" })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Already cancelled, rejected, or not yet accepted' })
  async cancel(@UuidParam('id') id: string, @CurrentCaller() caller: Caller): Promise<RentalResponse> {
    return toRentalResponse(await this.rentals.cancel(id, caller));
  }
}
