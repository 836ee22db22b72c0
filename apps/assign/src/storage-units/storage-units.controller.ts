import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminOnly, ErrorResponse } from '@app/platform';
import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { AddStorageUnitDto, ListStorageUnitsQuery } from './add-storage-unit.dto';
import { StorageUnitsService } from './storage-units.service';
import { StorageUnitResponse } from './storage-unit-response.dto';

@ApiTags('storage-units')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No bearer token, or one that is expired or badly signed' })
@Controller('storage-units')
export class StorageUnitsController {
  constructor(private readonly units: StorageUnitsService) {}

  @Get()
  @ApiOperation({ operationId: 'listStorageUnits', summary: 'List storage units, by location and size' })
  @ApiOkResponse({ type: [StorageUnitResponse] })
  list(@Query() query: ListStorageUnitsQuery) {
    return this.units.list(query);
  }

  /** Inventory is the operators' business: admins only. */
  @Post()
  @AdminOnly()
  @ApiOperation({ operationId: 'addStorageUnit', summary: 'Add a storage unit (admins)' })
  @ApiCreatedResponse({ type: StorageUnitResponse })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'The caller is not an admin' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'A unit with this code exists already' })
  add(@Body() dto: AddStorageUnitDto) {
    return this.units.add(dto);
  }
}
