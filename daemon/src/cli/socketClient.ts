/** A minimal client for the daemon's unix socket, used by the CLI. */
import { request, type IncomingMessage } from 'node:http';
import { HealthResponseSchema, type DaemonState, type HealthResponse } from '../protocol/switchboard.js';
import { readState } from '../store/home.js';

export function daemonRequest(socketPath: string, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { socketPath, method, path, signal, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
      resolve,
    );
    req.once('error', reject);
    req.end(payload);
  });
}

export async function readBody(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) text += chunk;
  return text;
}

/** The daemon serving this data folder, if its state file exists and it answers /health on its socket. */
export async function findDaemon(home: string): Promise<{ state: DaemonState; health: HealthResponse } | undefined> {
  const state = readState(home);
  if (!state) return undefined;
  try {
    const res = await daemonRequest(state.socketPath, 'GET', '/health', undefined, AbortSignal.timeout(2000));
    const health = HealthResponseSchema.safeParse(JSON.parse(await readBody(res)));
    return health.success ? { state, health: health.data } : undefined;
  } catch {
    return undefined;
  }
}
