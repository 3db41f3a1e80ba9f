/**
 * `<home>/switchboard.schema.json`: the JSON Schema of switchboard.yaml for the editor's completion, always the
 * running daemon's. It is a function of the daemon's code only, so it is rewritten only when that code is not
 * the one that wrote it (the file carries the code file's mtime), and after start-up rather than during it:
 * zod's JSON Schema conversion is start-up's largest one-off allocation (~5 MB more RSS when the idle daemon is
 * measured — bench/idleMemory.ts — and ~10 ms before /health answers).
 */
import { statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../config/jsonSchema.js';
import type { Logger } from '../log.js';
import { writeFileAtomic } from './home.js';

/** The file holding this code: dist/daemon/cli.js once bundled. */
const CODE_FILE = fileURLToPath(import.meta.url);

/** Writes the schema file unless this code wrote it already. Never throws (the daemon may be stopping). */
export function refreshSchemaFile(home: string, log: Logger): void {
  const file = path.join(home, 'switchboard.schema.json');
  try {
    const codeMtime = statSync(CODE_FILE).mtime;
    const current = statSync(file, { throwIfNoEntry: false });
    // Within a millisecond: utimes goes through floating-point seconds.
    if (current && Math.abs(current.mtimeMs - codeMtime.getTime()) < 1) return;
    writeFileAtomic(file, JSON.stringify(configJsonSchema(), null, 2), 0o644);
    utimesSync(file, new Date(), codeMtime);
  } catch (e) {
    log.debug('schema file not written', { error: e instanceof Error ? e.message : String(e) });
  }
}
