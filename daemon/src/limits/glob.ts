/** `*` globs for model and route names (`openai/*`, `claude-*`); everything else matches literally. */
export function globMatch(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`);
  return re.test(name);
}

function escape(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&');
}

/** The value of the most specific matching pattern: an exact name first, then the longest glob. */
export function lookupGlob<T>(table: Record<string, T>, names: readonly string[]): T | undefined {
  for (const n of names) if (Object.hasOwn(table, n)) return table[n];
  let best: { len: number; value: T } | undefined;
  for (const [pattern, value] of Object.entries(table)) {
    if (!pattern.includes('*')) continue;
    if (names.some((n) => globMatch(pattern, n)) && (!best || pattern.length > best.len)) best = { len: pattern.length, value };
  }
  return best?.value;
}
