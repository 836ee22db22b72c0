import { BadRequestException, ValidationError } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One field's fault in a 400. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * RFC 9457 problem details, every 4xx and 5xx of every app and the gateway. `type` is about:blank:
 * the status says what kind of problem it is, `title` is its phrase. `statusCode`, `error` and
 * `message` are the answer's fields of before, kept for one release so existing clients go on working.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
  statusCode: number;
  error: string;
  message: string | string[];
  /** The field a business rule named (InvalidInputError), as before; `errors` names it too. */
  field?: string;
}

/** The answer of before (Nest's exceptions, our filters, the gateway's own refusals) as a problem. */
export function toProblem(
  status: number,
  answer: { message?: unknown; error?: unknown; errors?: FieldProblem[]; field?: string },
): Problem {
  const title = STATUS_CODES[status] ?? 'Error';
  const messages = Array.isArray(answer.message)
    ? answer.message.map(String)
    : answer.message === undefined
      ? []
      : [String(answer.message)];
  const errors = answer.errors ?? (answer.field ? messages.map((message) => ({ field: answer.field!, message })) : undefined);
  return {
    type: 'about:blank',
    title,
    status,
    detail: messages.length > 0 ? messages.join('; ') : title,
    ...(errors && { errors }),
    statusCode: status,
    // As it was: a domain error's class name, or the status's phrase.
    error: typeof answer.error === 'string' ? answer.error : title,
    message: Array.isArray(answer.message) ? messages : (messages[0] ?? title),
    ...(answer.field && { field: answer.field }),
  };
}

/** Our error answers, and no other JSON: a health check's 503 has its own shape (Terminus). */
function isErrorAnswer(body: unknown): body is { statusCode: number; message?: unknown } {
  return typeof body === 'object' && body !== null && typeof (body as { statusCode?: unknown }).statusCode === 'number';
}

/**
 * Rewrites every error answer this Fastify instance sends into problem+json, in one place after
 * whichever code produced it. Answers passed through from an upstream (the gateway's proxy) are
 * streams and stay as the app that made them wrote them.
 */
export function answerErrorsAsProblems(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
    if (!String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return payload;
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      return payload;
    }
    if (!isErrorAnswer(body)) return payload;
    reply.header('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    return JSON.stringify(toProblem(reply.statusCode, body));
  });
}

/** The ValidationPipe's 400: its messages as before, and each field's fault by name (nested fields as `a.b`). */
export function validationProblem(errors: ValidationError[]): BadRequestException {
  const faults: FieldProblem[] = [];
  const collect = (list: ValidationError[], prefix: string) => {
    for (const error of list) {
      const field = `${prefix}${error.property}`;
      for (const message of Object.values(error.constraints ?? {})) faults.push({ field, message });
      collect(error.children ?? [], `${field}.`);
    }
  };
  collect(errors, '');
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: faults.map((f) => f.message), errors: faults });
}
