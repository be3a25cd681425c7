import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { CertbrokerError, type ErrorKind, type FieldError } from '../domain/errors.js';

/** The one place where an error kind becomes an HTTP status (after Boulder's WFE). */
const STATUS: Readonly<Record<ErrorKind, number>> = {
  invalid: 422,
  /** A request that is not what it claims to be, e.g. an upload whose bytes are not its declared file type. */
  malformed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payment_required: 402,
  rate_limited: 429,
  payload_too_large: 413,
  internal: 500,
  /** A supplier that cannot be reached right now: the same request may succeed later. */
  unavailable: 503,
};

/** The error body of every failed request: `{"error": {"code", "message", "fields"}}`. */
export function errorBody(code: string, message: string, fields: readonly FieldError[] = []) {
  return { error: { code, message, fields } };
}

function sendError(reply: FastifyReply, status: number, code: string, message: string, fields: readonly FieldError[] = []) {
  return reply.status(status).type('application/json; charset=utf-8').send(errorBody(code, message, fields));
}

/** Fastify's own request errors (body parsing, limits), by its error code. */
const FASTIFY_ERRORS: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body.too_large', message: 'The request body is larger than this route accepts (1 MiB for JSON).' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'body.unsupported_media_type', message: 'Send JSON with Content-Type: application/json.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'body.empty', message: 'The request says it carries JSON but its body is empty.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'body.bad_length', message: 'The Content-Length header does not match the body.' },
};

/** How deeply a JSON body may nest: far beyond any request of the API, far below what recursion can bear. */
export const MAX_BODY_DEPTH = 32;

/** Whether `value` nests deeper than `max` arrays and objects; iterative, so any depth is safe to ask about. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Installs the error and not-found handlers: one error shape, no stack traces, internal detail only in the log. */
export function installErrorHandling(app: FastifyInstance): void {
  // A body nested absurdly deep is refused before any handler walks it (hashing, validation).
  app.addHook('preValidation', async (request, reply) => {
    if (request.body !== undefined && nestsDeeperThan(request.body, MAX_BODY_DEPTH)) {
      return sendError(reply, 400, 'body.too_deep', `The request body nests deeper than ${MAX_BODY_DEPTH} levels of arrays and objects.`);
    }
  });
  app.setErrorHandler((error: FastifyError | CertbrokerError | Error, request, reply) => {
    if (error instanceof CertbrokerError) {
      if (error.kind === 'internal') request.log.error({ err: error }, 'internal error');
      return sendError(reply, STATUS[error.kind], error.code, error.message, error.fields);
    }
    const code = (error as FastifyError).code;
    const known = code === undefined ? undefined : FASTIFY_ERRORS[code];
    if (known) return sendError(reply, known.status, known.code, known.message);
    const status = (error as FastifyError).statusCode;
    if (error instanceof SyntaxError || (status === 400 && code?.startsWith('FST_ERR_CTP'))) {
      return sendError(reply, 400, 'body.malformed_json', 'The request body is not valid JSON.');
    }
    if (status === 429) return sendError(reply, 429, 'rate_limited', error.message);
    if (status !== undefined && status >= 400 && status < 500) return sendError(reply, status, 'request.invalid', error.message);
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, 500, 'internal', 'Something went wrong on our side. The request was not completed; it is safe to retry.');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'route.not_found', `No route ${request.method} ${request.url.split('?')[0]}.`));
}
