import { ApiBadRequestResponse, ApiConflictResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse } from '@app/platform';
import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { AddStorageUnitDto, ListStorageUnitsQuery } from './add-storage-unit.dto';
import { StorageUnitsService } from './storage-units.service';

@ApiTags('storage-units')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad input; the message names the field' })
@Controller('storage-units')
export class StorageUnitsController {
  constructor(private readonly units: StorageUnitsService) {}

  @Get()
  list(@Query() query: ListStorageUnitsQuery) {
    return this.units.list(query);
  }

  @Post()
  @ApiConflictResponse({ type: ErrorResponse, description: 'A unit with this code exists already' })
  add(@Body() dto: AddStorageUnitDto) {
    return this.units.add(dto);
  }
}
