/** `*` globs for model and route names (`openai/*`, `claude-*`); everything else matches literally. */
export function globMatch(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  return compiled(pattern).test(name);
}

/**
 * Patterns come from the configuration and key records, so there are few of them, and each request checks
 * them again: compiled once. Bounded all the same (cleared past 1,000 patterns).
 */
const globs = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = globs.get(pattern);
  if (!re) {
    if (globs.size >= 1000) globs.clear();
    re = new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`);
    globs.set(pattern, re);
  }
  return re;
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
