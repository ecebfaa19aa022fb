import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** RFC 9457 problem details, as sent with content type application/problem+json. */
export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

export type ProblemExtras = Record<string, unknown> & { type?: string };

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Throw from a handler or hook to answer with problem+json. `extras` become extra members of the body
 * (`type` overrides the default `about:blank`); `headers` are set on the response.
 */
export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extras: ProblemExtras;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    title: string,
    detail?: string,
    extras: ProblemExtras = {},
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail ? `${title}: ${detail}` : title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpProblem';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.extras = extras;
    this.headers = options.headers ?? {};
  }

  static badRequest(detail?: string, extras?: ProblemExtras) {
    return new HttpProblem(400, 'Bad Request', detail, extras);
  }
  static unauthorized(detail?: string, extras?: ProblemExtras) {
    return new HttpProblem(401, 'Unauthorized', detail, extras, { headers: { 'www-authenticate': 'Bearer' } });
  }
  static forbidden(detail?: string, extras?: ProblemExtras) {
    return new HttpProblem(403, 'Forbidden', detail, extras);
  }
  static notFound(detail?: string, extras?: ProblemExtras) {
    return new HttpProblem(404, 'Not Found', detail, extras);
  }
  static conflict(detail?: string, extras?: ProblemExtras) {
    return new HttpProblem(409, 'Conflict', detail, extras);
  }
  static preconditionFailed(detail?: string, extras?: ProblemExtras) {
    return new HttpProblem(412, 'Precondition Failed', detail, extras);
  }
  static unprocessable(detail?: string, extras?: ProblemExtras) {
    return new HttpProblem(422, 'Unprocessable Content', detail, extras);
  }
}

export function isHttpProblem(err: unknown): err is HttpProblem {
  return err instanceof HttpProblem;
}

function titleFor(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** Sends a problem+json response (pre-serialized, so route response schemas do not interfere). */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  title: string,
  detail?: string,
  extras: ProblemExtras = {},
): FastifyReply {
  const { type, ...rest } = extras;
  const body: Problem = {
    ...rest,
    type: type ?? 'about:blank',
    title,
    status,
    ...(detail === undefined ? {} : { detail }),
    instance: request.url,
    requestId: request.id,
  };
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

export interface ValidationIssue {
  path: string;
  message: string;
}

/** Turns fastify-type-provider-zod validation errors into `[{ path: 'body.email', message }]`. */
export function validationIssues(err: FastifyError): ValidationIssue[] {
  const context = err.validationContext ?? 'request';
  const issues: ValidationIssue[] = [];
  for (const v of err.validation ?? []) {
    const base = [context, ...v.instancePath.split('/').filter((s) => s !== '')].join('.');
    const keys = (v.params as { keys?: unknown }).keys;
    if (v.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      for (const key of keys) issues.push({ path: `${base}.${String(key)}`, message: 'unknown field' });
    } else {
      issues.push({ path: base, message: v.message ?? 'invalid' });
    }
  }
  return issues;
}

// fastify's own 4xx errors (content type parser, body limit, ...) whose messages are safe to show.
const CLIENT_ERROR_TITLES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'Content Too Large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'Unsupported Media Type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'Bad Request'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'Bad Request'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'Bad Request'],
};

/** The kit's error handler: every error becomes problem+json; a 5xx never shows its message. */
export function problemErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof HttpProblem) {
    if (err.status >= 500) request.log.error({ err }, 'request failed');
    reply.headers(err.headers);
    if (err.status >= 500) {
      return sendProblem(request, reply, err.status, titleFor(err.status));
    }
    return sendProblem(request, reply, err.status, err.title, err.detail, err.extras);
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors = validationIssues(err);
    const detail = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    return sendProblem(request, reply, 400, 'Bad Request', `Invalid request: ${detail}`, {
      type: 'urn:crm:problem:validation',
      errors,
    });
  }
  if (err.validation) {
    // a non-zod (plain JSON schema) route
    const errors = err.validation.map((v) => ({
      path: [err.validationContext ?? 'request', ...v.instancePath.split('/').filter((s) => s !== '')].join('.'),
      message: v.message ?? 'invalid',
    }));
    return sendProblem(request, reply, 400, 'Bad Request', 'Invalid request', {
      type: 'urn:crm:problem:validation',
      errors,
    });
  }
  const known = err.code ? CLIENT_ERROR_TITLES[err.code] : undefined;
  if (known) return sendProblem(request, reply, known[0], known[1], err.message);
  if (err instanceof SyntaxError && err.statusCode === 400) {
    return sendProblem(request, reply, 400, 'Bad Request', `Malformed JSON body: ${err.message}`);
  }
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    request.log.info({ err: { message: err.message, code: err.code } }, 'client error');
    return sendProblem(request, reply, status, titleFor(status), err.message);
  }
  request.log.error({ err }, 'request failed');
  const safeStatus = status >= 500 && status < 600 ? status : 500;
  return sendProblem(request, reply, safeStatus, safeStatus === 500 ? 'Internal Server Error' : titleFor(safeStatus));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(request, reply, 404, 'Not Found', `Route ${request.method} ${request.url.split('?')[0]} not found`);
}
