/** The generation endpoints of both doors: parse, open the gateway stream, answer streamed or collected. */
import { Cancellation } from '../gateway/cancel.js';
import { collectFirst } from '../gateway/collect.js';
import { targetName } from '../gateway/canonical.js';
import type { GatewayContext } from '../gateway/context.js';
import type { Gateway } from '../gateway/gateway.js';
import { GatewayError } from '../errors.js';
import { SWITCHBOARD_HEADERS } from '../protocol/switchboard.js';
import { ClientAbortError } from '../providers/sdkErrors.js';
import type { RequestContext } from './app.js';
import { sendJson, SSE_HEADERS, writeHead, writeWithBackpressure } from './respond.js';

export async function handleGeneration(ctx: RequestContext, gateway: Gateway, body: unknown): Promise<void> {
  const { res, door } = ctx;
  const parsed = door.parse(body);
  // A client that goes away aborts the upstream call.
  const controller = new Cancellation();
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new ClientAbortError());
  };
  res.on('close', onClose);
  try {
    const gctx: GatewayContext = {
      id: ctx.requestId,
      door: door.name,
      request: parsed.request,
      stream: parsed.stream,
      signal: controller,
      identity: ctx.identity ?? { keyId: ctx.via === 'socket' ? 'socket' : 'master' },
      headers: ctx.req.headers,
      extensions: switchboardExtensions(body),
      responseHeaders: {},
      startedAt: ctx.startedAt,
      record: { attempts: [], decisions: [] },
    };
    ctx.gateway = gctx;
    let served;
    try {
      served = await gateway.handle(gctx);
    } catch (e) {
      // Stage headers (rate-limit state, cache outcome…) belong on error responses too.
      if (!res.headersSent) for (const [k, v] of Object.entries(gctx.responseHeaders)) res.setHeader(k, v);
      throw e;
    }
    const { target, events } = served;
    const label = targetName(target);
    ctx.target = label;
    // The stages' headers (rate limits, cache outcome…) and ours, in the one per-request object (not a copy:
    // see writeHead in respond.ts).
    const headers = gctx.responseHeaders;
    headers[SWITCHBOARD_HEADERS.requestId] = ctx.requestId;
    headers[SWITCHBOARD_HEADERS.provider] = target.provider;
    headers[SWITCHBOARD_HEADERS.model] = target.model;
    const meta = { requestId: ctx.requestId, model: label, created: Math.floor(Date.now() / 1000) };
    if (!parsed.stream) {
      const { response, finish } = await collectFirst(events);
      sendJson(res, 200, door.render(response, meta), headers);
      // The stages' end-of-stream work (settle, record) runs once the answer is on its way.
      await finish();
      return;
    }
    const encoder = door.encoder(meta, parsed.includeUsage);
    writeHead(res, 200, SSE_HEADERS, headers);
    res.write(encoder.start());
    let finished = false;
    let flushed = false;
    try {
      for await (const event of events) {
        const frame = encoder.encode(event);
        if (event.type === 'finish') finished = true;
        if (frame && !(await writeWithBackpressure(res, frame))) throw new ClientAbortError();
        if (frame && !flushed) {
          // Node corks the socket at a write and uncorks on the next tick, which waits for the microtask queue
          // to drain: when the upstream's first packet holds many deltas (a burst, a local model), the first
          // token would leave only after all of them were relayed. Sent now; later frames batch as before.
          flushed = true;
          res.uncork();
        }
      }
      if (!finished) throw new GatewayError(502, 'upstream_truncated', 'The upstream stream ended without finishing: the answer was truncated.');
      res.end(encoder.end());
    } catch (e) {
      if (e instanceof ClientAbortError || controller.aborted) throw new ClientAbortError();
      // Headers are gone: report the failure inside the stream, in the door's own format.
      const err = e instanceof GatewayError ? e : new GatewayError(502, 'upstream_error', 'The upstream stream failed.');
      res.end(encoder.error(err));
      throw err;
    }
  } finally {
    res.off('close', onClose);
  }
}

/** The body's `switchboard` object (per-request options read by stages), when it is one. */
function switchboardExtensions(body: unknown): Record<string, unknown> | undefined {
  const ext = body && typeof body === 'object' ? (body as { switchboard?: unknown }).switchboard : undefined;
  return ext && typeof ext === 'object' && !Array.isArray(ext) ? (ext as Record<string, unknown>) : undefined;
}
