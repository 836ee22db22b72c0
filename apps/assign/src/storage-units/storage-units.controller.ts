import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { AddStorageUnitDto, ListStorageUnitsQuery } from './add-storage-unit.dto';
import { StorageUnitsService } from './storage-units.service';

@Controller('storage-units')
export class StorageUnitsController {
  constructor(private readonly units: StorageUnitsService) {}

  @Get()
  list(@Query() query: ListStorageUnitsQuery) {
    return this.units.list(query);
  }

  @Post()
  add(@Body() dto: AddStorageUnitDto) {
    return this.units.add(dto);
  }
}
