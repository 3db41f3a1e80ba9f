/**
 * One error class per failure class, each with its HTTP status and a machine-readable code.
 * The doors render these in their own API's error shape; anything that is not a GatewayError becomes a
 * generic 500 whose message never carries a stack trace or a secret.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (retry-after, …). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidRequestError extends GatewayError {
  constructor(message: string, code = 'invalid_request') {
    super(400, code, message);
  }
}

export class AuthenticationError extends GatewayError {
  constructor(message = 'Missing or invalid API key. Send it as "Authorization: Bearer <key>" or "x-api-key: <key>".') {
    super(401, 'invalid_api_key', message);
  }
}

export class ForbiddenError extends GatewayError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string, code = 'not_found') {
    super(404, code, message);
  }
}

export class MethodNotAllowedError extends GatewayError {
  constructor(method: string, path: string, allowed: string[]) {
    super(405, 'method_not_allowed', `${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`, {
      allow: allowed.join(', '),
    });
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(limit: number) {
    super(413, 'request_too_large', `Request body exceeds the limit of ${limit} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends GatewayError {
  constructor(got: string | undefined) {
    super(415, 'unsupported_media_type', `Content-Type must be application/json${got ? `, got "${got}"` : ''}.`);
  }
}

/** The upstream answered with an error, or its stream broke. `upstreamStatus` is what the provider said. */
export class UpstreamError extends GatewayError {
  constructor(
    message: string,
    readonly upstreamStatus?: number,
    code = 'upstream_error',
    headers: Record<string, string> = {},
  ) {
    super(mapUpstreamStatus(upstreamStatus), code, message, headers);
  }
}

export class ServiceUnavailableError extends GatewayError {
  constructor(message: string, code = 'service_unavailable') {
    super(503, code, message);
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(message: string) {
    super(504, 'upstream_timeout', message);
  }
}

/**
 * Upstream client errors keep their status (the caller sent something the provider refused: it should see
 * the same class of error); upstream server trouble becomes 502, overload 503, timeouts 504.
 */
function mapUpstreamStatus(status: number | undefined): number {
  if (status === undefined) return 502;
  if (status === 400 || status === 404 || status === 409 || status === 422) return status === 422 ? 400 : status;
  if (status === 401 || status === 403) return 502; // our credentials upstream are wrong: not the caller's fault
  if (status === 408 || status === 504) return 504;
  if (status === 429 || status === 503 || status === 529) return status === 429 ? 429 : 503;
  return 502;
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}
