/**
 * A property of the daemon's request path that its tail latency depends on (issue 8): no object literal there
 * starts with a spread. V8 11.3 (Node 20) promotes every object made by `{ ...a, b }` or `{ ...a, ...b }` to
 * the old generation however short its life (bench/spreadPromotion.ts: 2.1 GB of 20 million dead objects
 * promoted, against 0.1 MB for `{ b, ...a }`, `Object.assign({}, a, { b })` or every field named), and the
 * old generation filling is what the mark-compacts behind the P99 collect (bench/gcUnderLoad.ts: promoted
 * bytes per request at 500 req/s all on 9.1 → 3.1 KB once the request path lost them).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const src = path.join(repoRoot, 'daemon/src');
/** What runs for every request (or every streamed chunk); start-up, admin and key-management code may spread. */
const REQUEST_PATH = ['server', 'gateway', 'routing', 'limits', 'doors', 'providers/openai', 'cache/responseCache.ts', 'cache/stage.ts', 'cache/entry.ts', 'cache/keys.ts', 'cache/guard.ts', 'observability/buildRecord.ts', 'observability/recordStage.ts', 'metrics', 'store/embeddedAccounting.ts'];

/** `{`, then a spread, then a comma before any brace closes: a literal that starts with a spread. */
const SPREAD_FIRST = /\{\s*\.\.\.[^{}]*,/g;

function files(rel: string): string[] {
  const p = path.join(src, rel);
  if (statSync(p).isFile()) return [p];
  return readdirSync(p, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(p, f));
}

describe('the request path (daemon/src)', () => {
  it('has no object literal that starts with a spread', () => {
    const found: string[] = [];
    for (const file of REQUEST_PATH.flatMap(files)) {
      // Comments blanked (lengths kept, so offsets still give line numbers); a literal may span lines.
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
      for (const m of code.matchAll(SPREAD_FIRST)) {
        const line = code.slice(0, m.index).split('\n').length;
        found.push(`${path.relative(repoRoot, file)}:${line}: ${m[0].replace(/\s+/g, ' ')}`);
      }
    }
    assert.deepEqual(found, [], 'write every field, put the spread last, or use Object.assign({}, a, { b }) instead');
  });

  it('the check finds the shape it looks for', () => {
    const finds = (code: string) => [...code.matchAll(SPREAD_FIRST)].length > 0;
    assert.ok(finds('const x = { ...base, at: 1 };'));
    assert.ok(finds('f({ ...a, ...b })'));
    assert.ok(finds('const x = {\n  ...base,\n  at: 1,\n};'));
    assert.ok(!finds('const x = { at: 1, ...base };'));
    assert.ok(!finds('const x = { ...base };'));
    assert.ok(!finds('f({ ...a }, b)'));
  });
});
