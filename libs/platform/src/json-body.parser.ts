import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';

function badRequest(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 400 });
}

/** Which prototype-polluting key the value carries, named so that the 400 can say it. */
function forbiddenKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const object = value as Record<string, unknown>;
  try {
    secureJson.scan(object, { protoAction: 'error', constructorAction: 'ignore' });
  } catch {
    return '__proto__';
  }
  try {
    secureJson.scan(object, { protoAction: 'ignore', constructorAction: 'error' });
  } catch {
    return 'constructor';
  }
  return undefined;
}

/**
 * Our APIs speak JSON only: every other content type is answered 415, and a JSON body that
 * cannot be parsed, or that carries `__proto__` or `constructor.prototype`, is answered 400 with
 * a message saying which; an empty body is no body. (Nest's own parsers also accept forms, and
 * Fastify's plain text.)
 */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    // No body at all, with the header that common clients (axios, Angular) send on every request:
    // a request without a body, not a bad one; a route that needs a body names what is missing.
    if (body === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(body as string);
    } catch {
      return done(badRequest("Body is not valid JSON but content-type is set to 'application/json'"), undefined);
    }
    const forbidden = forbiddenKey(value);
    if (forbidden) return done(badRequest(`property ${forbidden} should not exist`), undefined);
    done(null, value);
  });
}
