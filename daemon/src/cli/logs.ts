/** `switchboard logs`: query the request log of the daemon serving this data folder, or follow it live. */
import { parseArgs } from 'node:util';
import { LogQueryResponseSchema, OBSERVABILITY_PATHS, RequestRecordSchema, type RequestRecord } from '../protocol/observability.js';
import { daemonRequest, findDaemon, readBody } from './socketClient.js';

export const LOGS_HELP = `Usage: switchboard logs [--since 1h] [--until T] [--route R] [--target T] [--status S] [--key K] [--user U]
                       [--team T] [--id ID] [--limit N] [--follow] [--json]

Shows the request log of the daemon serving this data folder, newest last. Times are ISO (2025-01-31T12:00Z)
or a duration back from now (30s, 15m, 2h, 7d). --status takes a code (429), a class (5xx), "ok" or "error".

Options:
  -f, --follow   Print the matching backlog, then every new request as it finishes (Ctrl-C to stop)
      --json     One JSON record per line instead of the table
  -n, --limit N  How many records (default 50)
  -h, --help     This help`;

export async function runLogs(argv: string[], home: string): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      route: { type: 'string' },
      target: { type: 'string' },
      status: { type: 'string' },
      key: { type: 'string' },
      user: { type: 'string' },
      team: { type: 'string' },
      id: { type: 'string' },
      limit: { type: 'string', short: 'n' },
      follow: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(LOGS_HELP);
    return 0;
  }
  const found = await findDaemon(home);
  if (!found) {
    console.error(`No daemon serves ${home}. Start one with "switchboard serve".`);
    return 3;
  }
  const params = new URLSearchParams();
  for (const k of ['since', 'until', 'route', 'target', 'status', 'key', 'user', 'team', 'id'] as const) if (values[k]) params.set(k, values[k] as string);
  params.set('limit', values.limit ?? '50');
  if (values.follow) params.set('follow', 'true');
  const print = (r: RequestRecord) => console.log(values.json ? JSON.stringify(r) : formatRecord(r));
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  let res;
  try {
    res = await daemonRequest(found.state.socketPath, 'GET', `${OBSERVABILITY_PATHS.requests}?${params}`, undefined, controller.signal);
  } catch (e) {
    if (controller.signal.aborted) return 0;
    throw e;
  }
  if (res.statusCode !== 200) {
    const body = await readBody(res);
    let message = body;
    try {
      message = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? body;
    } catch {
      // not JSON
    }
    console.error(`switchboard: ${message}`);
    return 2;
  }
  if (!values.follow) {
    const { records, dropped } = LogQueryResponseSchema.parse(JSON.parse(await readBody(res)));
    if (!values.json && records.length === 0) console.error('No matching requests.');
    for (const r of records.reverse()) print(r);
    if (dropped > 0) console.error(`(${dropped} records were dropped since the daemon started: the log queue was full)`);
    return 0;
  }
  let buffered = '';
  try {
    for await (const chunk of res) {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line) print(RequestRecordSchema.parse(JSON.parse(line)));
      }
    }
  } catch (e) {
    if (!controller.signal.aborted) throw e;
  }
  return 0;
}

/** One line: time, status, duration, route → target, tokens, the id and what went wrong. */
export function formatRecord(r: RequestRecord): string {
  const time = r.time.slice(0, 23).replace('T', ' ');
  const tokens = r.usage ? `${r.usage.inputTokens}→${r.usage.outputTokens} tok` : '';
  const where = r.target ? `${r.route ?? r.model ?? ''} → ${r.target}` : (r.model ?? '');
  const extra = [
    r.cache && r.cache !== 'miss' ? `cache:${r.cache}` : '',
    r.attempts.length > 1 ? `${r.attempts.length} attempts` : '',
    r.keyId ? `key:${r.keyId}` : '',
    r.user ? `user:${r.user}` : '',
    r.errorClass ? `${r.errorClass}${r.error ? `: ${r.error}` : ''}` : '',
    r.feedback ? `feedback:${r.feedback.score}/${r.feedback.scale === 2 ? '±1' : '5'}` : '',
  ].filter(Boolean);
  return `${time}  ${String(r.status).padEnd(3)} ${`${Math.round(r.durationMs)}ms`.padStart(7)}  ${r.method} ${r.path}  ${where}  ${tokens}  ${r.id}${extra.length ? '  ' + extra.join('  ') : ''}`.replace(/ {3,}/g, '  ');
}
