/** Structured JSON-line logging with secrets redacted before anything is written. */
import { redactKnown } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Adds a secret value that must never appear in the output. */
  addSecret(secret: string | undefined): void;
}

export function createLogger(opts: { level?: LogLevel; write?: (line: string) => void; secrets?: (string | undefined)[] } = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const secrets = new Set<string>();
  for (const s of opts.secrets ?? []) if (s) secrets.add(s);
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < min) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, errorReplacer);
    write(redactKnown(line, secrets) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    addSecret: (s) => {
      if (s) secrets.add(s);
    },
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

export function parseLogLevel(v: string | undefined): LogLevel {
  return v === 'debug' || v === 'warn' || v === 'error' ? v : 'info';
}
