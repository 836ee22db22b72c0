import { Controller, Get, Header } from '@nestjs/common';
import { asyncApiYaml } from '@app/messaging/asyncapi';
import { Public } from '@app/platform';
import { ApiExcludeController } from '@nestjs/swagger';
import { ApiDocsService } from './api-docs.service';
import { ApiDocument } from './merge-api-docs';

@ApiExcludeController()
@Public()
@Controller()
export class ApiDocsController {
  /** Built once, at start, from this build's contracts: the same text as the committed api/asyncapi.yaml. */
  private readonly asyncApi = asyncApiYaml();

  constructor(private readonly docs: ApiDocsService) {}

  @Get('docs-json')
  document(): Promise<ApiDocument> {
    return this.docs.document();
  }

  /** The events' AsyncAPI document (libs/messaging/src/asyncapi.ts). */
  @Get('docs-asyncapi')
  @Header('content-type', 'application/yaml')
  asyncApiDocument(): string {
    return this.asyncApi;
  }
}
