/** Percentiles and a plain-text table for benchmark reports. */

/** The q-quantile (0..1) of samples by nearest rank; NaN when there are none. */
export function percentile(samples: number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function mean(samples: number[]): number {
  return samples.length ? samples.reduce((s, x) => s + x, 0) / samples.length : NaN;
}

/** Renders rows as an aligned table: first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Milliseconds with µs precision. */
export function ms(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : '—';
}
