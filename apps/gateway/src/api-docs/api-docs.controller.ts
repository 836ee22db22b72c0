import { Controller, Get } from '@nestjs/common';
import { Public } from '@app/platform';
import { ApiExcludeController } from '@nestjs/swagger';
import { ApiDocsService } from './api-docs.service';
import { ApiDocument } from './merge-api-docs';

@ApiExcludeController()
@Public()
@Controller()
export class ApiDocsController {
  constructor(private readonly docs: ApiDocsService) {}

  @Get('docs-json')
  document(): Promise<ApiDocument> {
    return this.docs.document();
  }
}
