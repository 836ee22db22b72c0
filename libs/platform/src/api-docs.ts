import { INestApplication } from '@nestjs/common';
import { ApiProperty, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** One field's fault in a 400. */
export class FieldProblemResponse {
  @ApiProperty({ example: 'endDate' })
  field!: string;

  @ApiProperty({ example: 'endDate must not be before startDate' })
  message!: string;
}

/**
 * Every 4xx and 5xx: RFC 9457 problem details (application/problem+json; libs/platform/src/problem-details.ts).
 * statusCode, error and message are the fields of before, kept for one release.
 */
export class ErrorResponse {
  @ApiProperty({ example: 'about:blank', description: 'about:blank: the status says what kind of problem it is' })
  type!: string;

  @ApiProperty({ example: 'Bad Request', description: "The status's phrase" })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ example: 'endDate must not be before startDate' })
  detail!: string;

  @ApiProperty({ type: [FieldProblemResponse], required: false, description: 'For a 400: each field at fault and what is wrong with it' })
  errors?: FieldProblemResponse[];

  @ApiProperty({ example: 400, deprecated: true, description: 'The same as status; kept for one release' })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', deprecated: true, description: 'The same as title; kept for one release' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['endDate must not be before startDate'],
    deprecated: true,
    description: 'A 400 lists its messages; kept for one release',
  })
  message!: string | string[];
}

/** The app's own OpenAPI document at /docs-json and its interactive page at /docs. */
export function serveApiDocs(app: INestApplication, title: string, description: string): void {
  const config = new DocumentBuilder()
    .setTitle(title)
    .setDescription(description)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addSecurityRequirements('bearer')
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs-json' });
}
