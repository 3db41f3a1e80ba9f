/**
 * A fast, transparent complexity classifier for tiered routes: simple requests go to the cheap tier, complex
 * ones to the premium tier. Each signal scores 0..1 and has a weight; they combine as a noisy-OR
 * (1 − Π(1 − w·s)), so one strong signal is enough and weak ones add up. The decision names its signals.
 */
import type { CanonicalRequest } from '../gateway/canonical.js';

export type Signal = 'length' | 'taskWords' | 'code' | 'math' | 'tools' | 'depth' | 'reasoning' | 'structuredOutput';

export const DEFAULT_WEIGHTS: Record<Signal, number> = {
  length: 0.5,
  taskWords: 0.75,
  code: 0.6,
  math: 0.75,
  tools: 0.5,
  depth: 0.5,
  reasoning: 0.6,
  structuredOutput: 0.2,
};

const TASK_WORDS = [
  'analyze', 'analyse', 'analysis', 'compare', 'contrast', 'design', 'architect', 'architecture', 'prove', 'derive',
  'optimize', 'optimise', 'refactor', 'debug', 'evaluate', 'critique', 'trade-off', 'tradeoff', 'trade-offs',
  'in detail', 'comprehensive', 'strategy', 'implement', 'algorithm', 'essay', 'report', 'thorough', 'pros and cons',
  'investigate', 'diagnose', 'plan for', 'migration', 'research', 'assess', 'justify', 'synthesize', 'formulate',
];
const REASONING_WORDS = ['step by step', 'step-by-step', 'reason about', 'reasoning', 'think carefully', 'chain of thought', 'explain why', 'walk me through', 'why does', 'why is'];
const MATH_WORDS = ['integral', 'derivative', 'equation', 'theorem', 'probability', 'matrix', 'eigen', 'polynomial', 'solve for', 'calculate', 'calculation', 'compute the', 'percent', 'irrational', 'linear program'];
/*
 * Every pattern here runs on the whole prompt, so each must take linear time in its length. As one regex,
 * `\w+\.\w+\(.*\)` and `SELECT\s.+\sFROM` retried their scan from every starting position (a prompt of 20,000
 * letters took 0.3 s, 100,000 about 8 s), and `\d+…` did the same in a run of digits (20,000 digits: 0.8 s);
 * the call and the query are now found line by line (`callOrQuery`), and a number only starts after a non-digit.
 */
const CODE_PATTERN = /```|\b(function|def|class|const|let|var|import|return|public static|#include)\b|=>|[{};]\s*$|Traceback \(most recent call last\)/m;
const MATH_PATTERN = /(?<!\d)\d+(\.\d+)?\s*[+\-*/^×÷=]\s*\d+|[∫∑√π]|\b[xyz]\s*[\^²³]|\bf\(x\)/;

/**
 * A method call `x.y(…)` on one line, or a query `SELECT … FROM` (what `SELECT\s.+\sFROM` matched: the text
 * between them on one line, the whitespace on either side possibly a line break).
 */
function callOrQuery(text: string): boolean {
  const lines = text.split(/[\n\r\u2028\u2029]/);
  let selectEndedLastLine = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    // A call: `x.y(` before the line's last `)`.
    const close = line.lastIndexOf(')');
    if (close > 0 && /\w\.\w+\(/.test(line.slice(0, close))) return true;
    // A query: where the text after `SELECT` and its whitespace starts on this line, and where the last
    // whitespace before a `FROM` is (the line break itself when the next line starts with FROM).
    const select = /\bSELECT\s/.exec(line);
    const start = selectEndedLastLine ? 0 : select ? select.index + select[0].length : -1;
    let from = -1;
    for (const m of line.matchAll(/\sFROM\b/g)) from = m.index;
    if (/^FROM\b/.test(lines[i + 1] ?? '')) from = line.length;
    if (start >= 0 && from > start) return true;
    selectEndedLastLine = /\bSELECT$/.test(line);
  }
  return false;
}

export interface TierDecision {
  tier: 'simple' | 'complex';
  score: number;
  /** The signals that fired, strongest first, e.g. `code 1.00, length 0.40`. */
  reason: string;
}

export interface ClassifierOptions {
  threshold?: number;
  weights?: Partial<Record<Signal, number>>;
  complexWords?: string[];
}

export function createClassifier(opts: ClassifierOptions = {}): (req: CanonicalRequest) => TierDecision {
  const threshold = opts.threshold ?? 0.5;
  const weights = Object.assign({}, DEFAULT_WEIGHTS, opts.weights);
  const taskWords = [...TASK_WORDS, ...(opts.complexWords ?? []).map((w) => w.toLowerCase())];
  return (req) => {
    const signals = measure(req, taskWords);
    let keep = 1;
    const fired: [Signal, number][] = [];
    for (const [name, value] of Object.entries(signals) as [Signal, number][]) {
      const contribution = weights[name] * value;
      if (contribution > 0) {
        keep *= 1 - contribution;
        fired.push([name, value]);
      }
    }
    const score = Math.round((1 - keep) * 1000) / 1000;
    fired.sort((a, b) => weights[b[0]] * b[1] - weights[a[0]] * a[1]);
    const reason = fired.length ? fired.map(([n, v]) => `${n} ${v.toFixed(2)}`).join(', ') : 'no complexity signal';
    return { tier: score >= threshold ? 'complex' : 'simple', score, reason };
  };
}

function clamp(v: number): number {
  return Math.max(0, Math.min(1, v));
}

function count(text: string, words: string[]): number {
  let n = 0;
  for (const w of words) if (text.includes(w)) n++;
  return n;
}

function measure(req: CanonicalRequest, taskWords: string[]): Record<Signal, number> {
  const texts: string[] = [];
  for (const m of req.messages) for (const p of m.content) if (p.type === 'text') texts.push(p.text);
  const last = [...req.messages].reverse().find((m) => m.role === 'user');
  const lastText = (last?.content ?? []).map((p) => (p.type === 'text' ? p.text : p.type === 'tool_result' ? p.content : '')).join('\n');
  const all = texts.join('\n');
  const lower = lastText.toLowerCase();
  // ~4 characters per token for English; the exact count does not matter for a coarse signal.
  const tokens = (all.length + (req.system?.length ?? 0) / 4) / 4;
  return {
    length: clamp((tokens - 60) / 600),
    // One task word (prove, design, implement…) is already a strong sign; a second one settles it.
    taskWords: Math.min(1, count(lower, taskWords) * 0.75),
    code: CODE_PATTERN.test(lastText) || callOrQuery(lastText) ? 1 : 0,
    math: clamp((MATH_PATTERN.test(lastText) ? 0.7 : 0) + count(lower, MATH_WORDS) * 0.7),
    tools: req.tools?.length ? 1 : 0,
    depth: clamp((req.messages.length - 3) / 10),
    reasoning: clamp(count(lower, REASONING_WORDS)),
    structuredOutput: req.responseFormat?.type === 'json_schema' ? 1 : 0,
  };
}
