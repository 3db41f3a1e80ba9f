/** Sums ledger entries into the usage report: requests, tokens by kind and cost, grouped as asked. */
import type { LedgerEntry, UsageGroup, UsageReport, UsageRow } from '../protocol/usage.js';
import { nanoToUsd } from './cost.js';

function groupValue(e: LedgerEntry, g: UsageGroup): string {
  switch (g) {
    case 'key':
      return e.keyId;
    case 'user':
      return e.user ?? '-';
    case 'team':
      return e.team ?? '-';
    case 'model':
      return e.model;
    case 'day':
      return e.at.slice(0, 10);
  }
}

function emptyRow(group: Record<string, string>): UsageRow {
  return { group, requests: 0, inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costNanoUsd: 0, usd: 0 };
}

function add(row: UsageRow, e: LedgerEntry): void {
  row.requests++;
  row.inputTokens += e.inputTokens;
  row.cachedInputTokens += e.cachedInputTokens;
  row.cacheWriteTokens += e.cacheWriteTokens;
  row.outputTokens += e.outputTokens;
  row.reasoningTokens += e.reasoningTokens;
  row.costNanoUsd += e.costNanoUsd;
  row.usd = nanoToUsd(row.costNanoUsd);
}

export function usageReport(entries: readonly LedgerEntry[], by: UsageGroup[], from?: string, to?: string): UsageReport {
  const rows = new Map<string, UsageRow>();
  const total = emptyRow({});
  for (const e of entries) {
    const group = Object.fromEntries(by.map((g) => [g, groupValue(e, g)]));
    const k = JSON.stringify(group);
    let row = rows.get(k);
    if (!row) rows.set(k, (row = emptyRow(group)));
    add(row, e);
    add(total, e);
  }
  const sorted = [...rows.values()].sort((a, b) => b.costNanoUsd - a.costNanoUsd || b.requests - a.requests);
  return { ...(from && { from }), ...(to && { to }), by, rows: sorted, total };
}
