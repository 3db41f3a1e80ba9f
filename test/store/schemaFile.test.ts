/**
 * `<home>/switchboard.schema.json`: written after start-up, only when the daemon's code is not the one that
 * wrote it. Unit half: refreshSchemaFile on a real folder (the code file is then store/schemaFile.ts itself).
 * Daemon half: the built daemon writes the same schema that `switchboard schema` prints.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../../daemon/src/config/jsonSchema.js';
import { createLogger } from '../../daemon/src/log.js';
import { refreshSchemaFile } from '../../daemon/src/store/schemaFile.js';
import { cliPath, spawnDaemon } from '../helpers/daemon.js';

const codeFile = fileURLToPath(new URL('../../daemon/src/store/schemaFile.ts', import.meta.url));

describe('schema file in the data folder', () => {
  let home: string;
  const file = () => path.join(home, 'switchboard.schema.json');
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (line: string) => lines.push(line) });

  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'sb-schema-'));
    lines.length = 0;
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('is written when missing, with the JSON Schema of switchboard.yaml and the code file’s mtime', () => {
    refreshSchemaFile(home, log);
    assert.deepEqual(JSON.parse(readFileSync(file(), 'utf8')), configJsonSchema());
    assert.ok(Math.abs(statSync(file()).mtimeMs - statSync(codeFile).mtimeMs) < 1);
  });

  it('is left alone when the same code wrote it (no conversion on every start)', () => {
    writeFileSync(file(), '{"kept": true}');
    const mtime = statSync(codeFile).mtime;
    utimesSync(file(), mtime, mtime);
    refreshSchemaFile(home, log);
    assert.equal(readFileSync(file(), 'utf8'), '{"kept": true}');
  });

  it('is rewritten when other code wrote it', () => {
    writeFileSync(file(), '{"stale": true}');
    utimesSync(file(), new Date(0), new Date(0));
    refreshSchemaFile(home, log);
    assert.deepEqual(JSON.parse(readFileSync(file(), 'utf8')), configJsonSchema());
  });

  it('never throws when the data folder is gone (a daemon stopping at once); it says so at debug level', () => {
    rmSync(home, { recursive: true, force: true });
    assert.doesNotThrow(() => refreshSchemaFile(home, log));
    assert.equal(existsSync(file()), false);
    assert.match(lines.join('\n'), /schema file not written/);
  });

  it('the built daemon writes it after start-up: the schema `switchboard schema` prints', async function () {
    this.timeout(20_000);
    const d = await spawnDaemon();
    try {
      const deadline = Date.now() + 5000;
      while (!existsSync(path.join(d.home, 'switchboard.schema.json')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const printed = execFileSync(process.execPath, [cliPath, 'schema'], { encoding: 'utf8' });
      assert.deepEqual(JSON.parse(readFileSync(path.join(d.home, 'switchboard.schema.json'), 'utf8')), JSON.parse(printed));
    } finally {
      await d.stop();
    }
  });
});
