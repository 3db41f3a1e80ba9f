import type { CancelSignal } from '../../gateway/cancel.js';
import { GatewayError, ServiceUnavailableError, UpstreamError, UpstreamTimeoutError } from '../../errors.js';
import { errorText } from './structuredOutput.js';

/** Turns anything thrown while serving a request into a GatewayError; an aborted signal wins over the error it caused. */
export function toGatewayError(e: unknown, signal?: CancelSignal): GatewayError {
  if (signal?.aborted) return abortError(signal.reason);
  if (e instanceof GatewayError) return e;
  const message = errorText(e);
  if (e instanceof Error && (e.name === 'DisposedError' || /disposed/i.test(message))) {
    return new ServiceUnavailableError('The local model was shut down while serving the request.');
  }
  return new UpstreamError(`The local model failed: ${message}`);
}

/** The error a request ends with when its signal aborts: the signal's own GatewayError, a timeout, or a 499. */
export function abortError(reason: unknown): GatewayError {
  if (reason instanceof GatewayError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new UpstreamTimeoutError('The local model did not finish before the deadline.');
  }
  return new GatewayError(499, 'request_aborted', 'The request was aborted before the local model finished.');
}
