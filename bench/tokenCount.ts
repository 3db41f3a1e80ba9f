/**
 * Prompt token counting for limits and budgets on a growing conversation (every turn resends the history):
 * the daemon's count (`countPromptTokens`, which remembers long texts' counts) against counting every text
 * again with the same BPE, at turns 10, 20 and 40 of a conversation of ~190-token messages. In process.
 * With `--hostile`: pasted blobs (runs of one letter, of spaces, of CJK characters, repeated or random), where
 * BPE takes time quadratic in a piece's length: gpt-tokenizer on the whole text and a slice at a time (what the
 * daemon did before limits/bpeCounter.ts) against the daemon's count (a slice at a time, heap merges).
 *
 * Run: `node --import tsx bench/tokenCount.ts [--hostile]`
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { CanonicalRequest } from '../daemon/src/gateway/canonical.js';
import { countPromptTokens, inSlices } from '../daemon/src/limits/tokenCount.js';
import { table } from './stats.js';

if (process.argv.includes('--hostile')) {
  const hostile: string[][] = [];
  // What the daemon counted with before its own counter (bpeCounter.ts): gpt-tokenizer, a slice at a time.
  const sliced = inSlices((t) => countTokens(t));
  const time = <T>(f: () => T): [T, string] => {
    const t = performance.now();
    const out = f();
    return [out, (performance.now() - t).toFixed(1)];
  };
  const daemonCount = (text: string) => countPromptTokens({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'text', text }] }] }, { provider: 'openai', model: 'gpt-4o-mini' }, new Map());
  await daemonCount('load the table first');
  let seed = 7;
  const r = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const random = (n: number, pick: () => string) => Array.from({ length: n }, pick).join('');
  const blobs: [string, string, boolean][] = [];
  for (const [what, unit] of [['letters', 'a'], ['spaces', ' '], ['CJK characters', '漢']] as const) {
    for (const n of [20_000, 100_000]) blobs.push([`${n.toLocaleString('en')} ${what}`, unit.repeat(n), true]);
  }
  // Repeated units let gpt-tokenizer's cache of merged pieces answer every slice but the first; random ones not.
  blobs.push(['100,000 random letters', random(100_000, () => String.fromCharCode(97 + Math.floor(r() * 26))), false]);
  blobs.push(['100,000 random CJK characters', random(100_000, () => String.fromCharCode(0x4e00 + Math.floor(r() * 20_000))), false]);
  for (const [what, text, whole] of blobs) {
    const [wholeCount, wholeMs] = whole ? time(() => countTokens(text)) : [undefined, '—'];
    const [slicedCount, slicedMs] = time(() => sliced(text));
    const t = performance.now();
    const daemon = (await daemonCount(text)) - 7;
    hostile.push([what, String(wholeCount ?? '—'), wholeMs, String(slicedCount), slicedMs, String(daemon), (performance.now() - t).toFixed(1)]);
  }
  console.log(table(['pasted blob', 'tokens, whole', 'gpt-tokenizer ms', 'tokens, in slices', 'gpt-tokenizer in slices ms', 'tokens, daemon', 'daemon ms'], hostile));
  console.log('(the daemon adds 7 tokens of message overhead; they are taken off here; "—": minutes)');
  process.exit(0);
}

const WORDS = 'the quick brown fox jumps over the lazy dog while a gateway counts every token of the conversation history again'.split(' ');
const message = (turn: number) => Array.from({ length: 150 }, (_, j) => `${WORDS[(turn * 7 + j) % WORDS.length]}${j % 13 === 0 ? ` ${turn}${j}` : ''}`).join(' ');
const target = { provider: 'openai', model: 'gpt-4o-mini' };
const rows: string[][] = [];
// Five conversations, each counted turn by turn both ways; medians per turn.
const times = new Map<number, { daemon: number[]; again: number[]; tokens: number }>();
for (let run = 0; run < 5; run++) {
  const messages: CanonicalRequest['messages'] = [];
  for (let turn = 1; turn <= 40; turn++) {
    messages.push({ role: turn % 2 ? 'user' : 'assistant', content: [{ type: 'text', text: `${run} ${message(turn)}` }] });
    let t = performance.now();
    const tokens = await countPromptTokens({ model: 'gpt-4o-mini', messages }, target, new Map());
    const daemon = performance.now() - t;
    t = performance.now();
    for (const m of messages) countTokens((m.content[0] as { text: string }).text);
    const again = performance.now() - t;
    const at = times.get(turn) ?? { daemon: [], again: [], tokens };
    at.daemon.push(daemon);
    at.again.push(again);
    times.set(turn, at);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const turn of [10, 20, 40]) {
  const at = times.get(turn)!;
  rows.push([String(turn), String(at.tokens), median(at.again).toFixed(3), median(at.daemon).toFixed(3)]);
}
console.log(table(['turn', 'prompt tokens', 'count every text, ms', 'daemon (remembers), ms'], rows));
