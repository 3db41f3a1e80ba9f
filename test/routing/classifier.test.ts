import assert from 'node:assert/strict';
import type { CanonicalMessage, CanonicalRequest } from '../../daemon/src/gateway/canonical.js';
import { createClassifier } from '../../daemon/src/routing/classifier.js';
import { TIERING_EXAMPLES, TIERING_HELD_OUT } from './tieringExamples.js';

function request(e: (typeof TIERING_EXAMPLES)[number]): CanonicalRequest {
  const history: CanonicalMessage[] = [];
  for (let i = 1; i < (e.turns ?? 1); i++) history.push({ role: i % 2 ? 'user' : 'assistant', content: [{ type: 'text', text: 'ok' }] });
  if (history.at(-1)?.role === 'user') history.push({ role: 'assistant', content: [{ type: 'text', text: 'ok' }] });
  return {
    model: 'tiered',
    messages: [...history, { role: 'user', content: [{ type: 'text', text: e.prompt }] }],
    ...(e.tools && { tools: [{ name: 'weather', parameters: { type: 'object' } }] }),
  };
}

describe('routing/classifier', () => {
  const classify = createClassifier();

  it('classifies the calibration set with at least 90 % accuracy (reported)', () => {
    const wrong: string[] = [];
    const counts = { simple: { right: 0, total: 0 }, complex: { right: 0, total: 0 } };
    for (const e of TIERING_EXAMPLES) {
      const d = classify(request(e));
      counts[e.label].total++;
      if (d.tier === e.label) counts[e.label].right++;
      else wrong.push(`  expected ${e.label}, got ${d.tier} (${d.score}: ${d.reason}): ${e.prompt.slice(0, 70)}`);
    }
    const accuracy = (counts.simple.right + counts.complex.right) / TIERING_EXAMPLES.length;
    console.log(
      `      tiering accuracy ${(accuracy * 100).toFixed(1)} % on ${TIERING_EXAMPLES.length} prompts ` +
        `(simple ${counts.simple.right}/${counts.simple.total}, complex ${counts.complex.right}/${counts.complex.total})` +
        (wrong.length ? `\n      misclassified:\n${wrong.map((w) => `    ${w}`).join('\n')}` : ''),
    );
    assert.ok(accuracy >= 0.9, `accuracy ${accuracy}`);
  });

  it('classifies the held-out set (never tuned on) with at least 80 % accuracy (reported)', () => {
    const wrong = TIERING_HELD_OUT.filter((e) => classify(request(e)).tier !== e.label);
    const accuracy = 1 - wrong.length / TIERING_HELD_OUT.length;
    console.log(`      held-out tiering accuracy ${(accuracy * 100).toFixed(1)} % on ${TIERING_HELD_OUT.length} prompts${wrong.length ? `; missed: ${wrong.map((w) => `"${w.prompt.slice(0, 40)}…" (${w.label})`).join(', ')}` : ''}`);
    assert.ok(accuracy >= 0.8, `accuracy ${accuracy}`);
  });

  it('explains its decision by the signals that fired', () => {
    const d = classify({ model: 'x', messages: [{ role: 'user', content: [{ type: 'text', text: '```js\nconst a = 1;\n```' }] }] });
    assert.equal(d.tier, 'complex');
    assert.match(d.reason, /^code 1\.00/);
    assert.equal(classify({ model: 'x', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] }).reason, 'no complexity signal');
  });

  it('takes configured weights, threshold and extra complex words', () => {
    const text = 'Please triage this ticket';
    const req: CanonicalRequest = { model: 'x', messages: [{ role: 'user', content: [{ type: 'text', text }] }] };
    assert.equal(classify(req).tier, 'simple');
    assert.equal(createClassifier({ complexWords: ['triage'], weights: { taskWords: 1 } })(req).tier, 'complex');
    assert.equal(createClassifier({ threshold: 0 })(req).tier, 'complex');
  });
  it('reads code and math signals the same way on hostile prompts, in linear time (60,000 characters each)', function () {
    // Quadratic before: 20,000 letters took 0.3 s, 20,000 digits 0.8 s; these took ~30 s in all (a regex cannot be
    // interrupted, so the timeout reports once they return). Now a few ms.
    this.timeout(5_000);
    const ask = (text: string) => classify({ model: 'tiered', messages: [{ role: 'user', content: [{ type: 'text', text }] }] }).reason;
    const n = 60_000;
    for (const text of ['a'.repeat(n), '1'.repeat(n), 'a.a('.repeat(n / 4), 'SELECT '.repeat(n / 7), `x.y(${'z'.repeat(n)}`]) {
      assert.doesNotMatch(ask(text), /\b(code|math) /, text.slice(0, 12));
    }
    assert.match(ask('12-'.repeat(n / 3)), /\bmath /, '"12-12" is a subtraction');
    // The same shapes still count where they should.
    assert.match(ask(`${'a'.repeat(n)} then call client.fetch(url) here`), /\bcode /);
    assert.match(ask(`${'1'.repeat(n)} and 3.5 * 12 too`), /\bmath /);
    assert.match(ask('SELECT name, email\nFROM users WHERE id = 1'), /\bcode /, 'a query over two lines');
    assert.match(ask('SELECT\n  name FROM users'), /\bcode /, 'SELECT ending a line');
    assert.doesNotMatch(ask('SELECT\n\nFROM'), /\bcode /, 'nothing between them');
    assert.doesNotMatch(ask('call client.fetch(url\nand then ) later'), /\bcode /, 'a call closed on another line');
  });
  it('gives the code and math verdicts the single regexes it replaced gave (differential, 20,000 random strings)', () => {
    // The patterns as they were (quadratic on long runs, fine on these short strings): the oracle.
    const oldCode = /```|\b(function|def|class|const|let|var|import|return|public static|#include|SELECT\s.+\sFROM)\b|=>|[{};]\s*$|Traceback \(most recent call last\)|\w+\.\w+\(.*\)/m;
    const oldMath = /\d+(\.\d+)?\s*[+\-*/^×÷=]\s*\d+|[∫∑√π]|\b[xyz]\s*[\^²³]|\bf\(x\)/;
    const parts = ['\n', '\r', '\u2028', 'SELECT', 'SELECT ', 'FROM', ' FROM', 'FROMx', 'xSELECT', ' ', '\t', 'a', 'b', '.', '(', ')', '1', '2', '.5', '+', '=', '-', 'ab.cd(', 'Z', '_', ';', '{'];
    let seed = 7;
    const r = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: 1 + Math.floor(r() * 12) }, () => parts[Math.floor(r() * parts.length)]).join('');
      const reason = classify({ model: 'tiered', messages: [{ role: 'user', content: [{ type: 'text', text }] }] }).reason;
      assert.equal(/\bcode /.test(reason), oldCode.test(text), `code for ${JSON.stringify(text)}`);
      assert.equal(/\bmath /.test(reason), oldMath.test(text), `math for ${JSON.stringify(text)}`);
    }
  });
});
