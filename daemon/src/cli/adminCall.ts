/** One admin call to the daemon serving this data folder, over its unix socket (no key needed there). */
import { daemonRequest, findDaemon, readBody } from './socketClient.js';

export class CliUsageError extends Error {}

export async function adminCall(home: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const found = await findDaemon(home);
  if (!found) throw new Error(`No daemon serves ${home}. Start one with "switchboard serve".`);
  const res = await daemonRequest(found.state.socketPath, method, path, body);
  const text = await readBody(res);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if ((res.statusCode ?? 500) >= 400) {
    const message = (json as { error?: { message?: string } } | undefined)?.error?.message ?? text;
    throw new Error(`${res.statusCode}: ${message}`);
  }
  return json;
}
