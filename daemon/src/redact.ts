/**
 * Secret redaction for logs and error messages. Keys look like `sk-…`, `sk-ant-…`, `sb-…` or long opaque
 * tokens after "Bearer"; anything of that shape is replaced before it leaves the process.
 */
const PATTERNS: RegExp[] = [
  /\b(sk|sb|rk|pk)-[A-Za-z0-9_-]{20,}/g,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /((?:api[_-]?key|x-api-key|authorization|password|secret|token)["']?\s*[:=]\s*["']?)[^\s"',}]{4,}/gi,
];

export function redact(text: string): string {
  let out = text;
  for (const p of PATTERNS) out = out.replace(p, (m, prefix: string | undefined) => (typeof prefix === 'string' && !/^(sk|sb|rk|pk)$/.test(prefix) ? `${prefix}[REDACTED]` : '[REDACTED]'));
  return out;
}

/** Replaces known secret values (configured keys) wherever they appear, then the generic shapes. */
export function redactKnown(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[REDACTED]');
  return redact(out);
}
