/** `switchboard usage`: spend and tokens from the cost ledger, grouped by key, user, team, model or day. */
import { parseArgs } from 'node:util';
import { USAGE_GROUPS, USAGE_PATH, UsageReportSchema, type UsageGroup, type UsageRow } from '../protocol/usage.js';
import { adminCall, CliUsageError } from './adminCall.js';

export const USAGE_HELP = `Usage: switchboard usage [--by key,user,team,model,day] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]

Prints requests, tokens (input, cached, output) and cost from the daemon's ledger, grouped as asked
(default: by key). Days are UTC and inclusive.`;

export async function runUsage(args: string[], home: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { help: { type: 'boolean', short: 'h' }, by: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(USAGE_HELP);
    return 0;
  }
  const by = (values.by ?? 'key').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = by.find((g) => !(USAGE_GROUPS as readonly string[]).includes(g));
  if (bad) throw new CliUsageError(`--by takes ${USAGE_GROUPS.join(', ')}; got "${bad}"`);
  const query = new URLSearchParams({ by: by.join(',') });
  if (values.from) query.set('from', values.from);
  if (values.to) query.set('to', values.to);
  const report = UsageReportSchema.parse(await adminCall(home, 'GET', `${USAGE_PATH}?${query}`));
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  const head = [...(by as UsageGroup[]), 'requests', 'input', 'cached', 'output', 'usd'];
  const line = (cells: string[]) => cells.map((c, i) => (i < by.length ? c.padEnd(24) : c.padStart(12))).join(' ');
  const cells = (r: UsageRow, group: string[]) => [...group, String(r.requests), String(r.inputTokens), String(r.cachedInputTokens), String(r.outputTokens), r.usd.toFixed(6)];
  console.log(line(head));
  for (const r of report.rows) console.log(line(cells(r, (by as UsageGroup[]).map((g) => r.group[g] ?? ''))));
  console.log(line(cells(report.total, by.map((_, i) => (i === 0 ? 'total' : '')))));
  return 0;
}
