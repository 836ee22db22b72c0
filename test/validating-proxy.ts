import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';

type Operation = { responses: Record<string, { content?: Record<string, { schema: object }> }> };
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };

/** The committed contract, the one clients generate from. */
const DOCUMENT = JSON.parse(readFileSync(join(__dirname, '../api/openapi.json'), 'utf8')) as Document;

/**
 * A proxy in front of the gateway that checks every answer against api/openapi.json, as a client
 * developer's validating proxy would: the operation is documented, the status is one of its
 * answers, and the body has the documented media type and matches its schema. It records what
 * did not, and passes everything through unchanged.
 */
export class ValidatingProxy {
  readonly violations: string[] = [];
  readonly seen: string[] = [];
  private server?: Server;
  private readonly ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes = Object.keys(DOCUMENT.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));

  constructor(private readonly upstream: string) {
    // Each component under its own $id, so that a response's $ref resolves as in the document.
    this.ajv.addSchema({ $id: 'openapi', components: DOCUMENT.components });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.forward(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    );
    const answer = await fetch(`${this.upstream}${req.url}`, {
      method: req.method,
      headers: headers as Record<string, string>,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    const body = Buffer.from(await answer.arrayBuffer());
    this.check(
      req.method!.toLowerCase(),
      new URL(req.url!, 'http://proxy').pathname,
      answer.status,
      answer.headers.get('content-type'),
      body,
    );
    res.writeHead(
      answer.status,
      Object.fromEntries([...answer.headers].filter(([name]) => !['content-encoding', 'transfer-encoding', 'connection'].includes(name))),
    );
    res.end(body);
  }

  private check(method: string, path: string, status: number, contentType: string | null, body: Buffer): void {
    const call = `${method.toUpperCase()} ${path} → ${status}`;
    this.seen.push(`${method.toUpperCase()} ${this.routes.find((r) => r.pattern.test(path))?.template ?? path} → ${status}`);
    const route = this.routes.find((r) => r.pattern.test(path));
    const operation = route && DOCUMENT.paths[route.template][method];
    if (!operation) return void this.violations.push(`${call}: no such operation in the document`);
    const answer = operation.responses[String(status)] ?? operation.responses.default;
    if (!answer) return void this.violations.push(`${call}: status not documented`);
    if (!answer.content) {
      if (body.length > 0) this.violations.push(`${call}: a body where the document has none`);
      return;
    }
    const mediaType = (contentType ?? '').split(';')[0].trim();
    const documented = answer.content[mediaType];
    if (!documented)
      return void this.violations.push(`${call}: ${mediaType || 'no content type'}, documented ${Object.keys(answer.content).join(', ')}`);
    const key = `${route.template} ${method} ${status} ${mediaType}`;
    let validate = this.validators.get(key);
    if (!validate) {
      // The document's refs point into it (#/components/…); here they point into the 'openapi' schema.
      const schema = JSON.parse(JSON.stringify(documented.schema).replace(/"#\/components\//g, '"openapi#/components/'));
      validate = this.ajv.compile(schema);
      this.validators.set(key, validate);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return void this.violations.push(`${call}: the body is not JSON`);
    }
    if (!validate(parsed)) this.violations.push(`${call}: ${this.ajv.errorsText(validate.errors)}`);
  }
}
