/**
 * Counts a request's prompt tokens before the call, with the right tokenizer for the serving target:
 * OpenAI models with their BPE (o200k_base, cl100k_base for GPT-4/3.5; bpeCounter.ts), the local model with its
 * own tokenizer, Anthropic with a documented estimate (its tokenizer is not published). The count reserves
 * rate-limit and budget capacity; the provider's reported usage settles it afterwards.
 */
import type { CanonicalRequest, Target } from '../gateway/canonical.js';
import type { Provider } from '../providers/provider.js';
import { loadCounter, type EncodingName } from './bpeCounter.js';

/** Chat formatting overhead per message and for the reply primer, as in OpenAI's token-counting guide. */
const PER_MESSAGE = 4;
const PRIMER = 3;
/** A high-detail image tile budget; images are priced by size upstream, this is the conservative flat count. */
const PER_IMAGE = 765;
/** Anthropic estimate: one token per 3 characters (Anthropic quotes ~3.5 for English; 3 errs on reserving more). */
const CHARS_PER_TOKEN_ESTIMATE = 3;

type Encoder = (text: string) => number;

let o200k: Promise<Encoder> | undefined;
let cl100k: Promise<Encoder> | undefined;

function openAIEncoder(model: string): Promise<Encoder> {
  // gpt-4 / gpt-3.5 use cl100k_base; gpt-4o, gpt-4.1, gpt-5, o-series and newer use o200k_base.
  if (/^gpt-(4(?!o|\.)|3\.5)/.test(model)) return (cl100k ??= encoderFor('cl100k_base'));
  return (o200k ??= encoderFor('o200k_base'));
}

async function encoderFor(encoding: EncodingName): Promise<Encoder> {
  const counter = await loadCounter(encoding);
  return remembering(inSlices((t) => counter.count(t)));
}

/** Characters counted per call when a text is longer. */
const SLICE_CHARS = 2048;

/**
 * Counts a long text a slice at a time, cutting just before a space that follows a non-space character: no BPE
 * piece of these encodings spans such a place (a piece may start with one space, never holds one after another
 * character), so the pieces, and the count, are exactly those of the whole text. Why: BPE merges take time
 * quadratic in a piece's length, and a piece is a whole run of letters, of whitespace or of CJK characters — a
 * pasted blob of 100,000 letters took gpt-tokenizer 6.4 s, 100,000 CJK characters 50 s, holding the event loop
 * (`node --import tsx bench/tokenCount.ts --hostile`). A slice with no such place in it (a run longer than a
 * slice) is cut at its end: only such runs are counted approximately, off by about a token per cut.
 */
export function inSlices(count: Encoder, sliceChars = SLICE_CHARS): Encoder {
  return (text) => {
    let total = 0;
    let start = 0;
    while (text.length - start > sliceChars) {
      let cut = start + sliceChars;
      for (let p = cut; p > start + 1; p--) {
        if (text.charCodeAt(p) === 32 && !isSpace(text.charCodeAt(p - 1))) {
          cut = p;
          break;
        }
      }
      total += count(text.slice(start, cut));
      start = cut;
    }
    return total + count(start === 0 ? text : text.slice(start));
  };
}

/** What the encodings' `\s` takes (JavaScript's whitespace, line breaks included). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Texts shorter than this are counted every time (cheaper than remembering them). */
const REMEMBER_FROM_CHARS = 256;
/** The characters of remembered texts, at most (~2–4 MB of strings). */
const REMEMBER_CHARS = 2_000_000;

/**
 * Remembers the counts of long texts, least recently used out first: a conversation sends its whole history
 * again every turn, and counting 40 turns (7,500 tokens) took 0.7–1.8 ms per request, where only the newest
 * message is new. Exact: a text's count never changes.
 */
export function remembering(count: Encoder, maxChars = REMEMBER_CHARS): Encoder {
  const known = new Map<string, number>();
  let chars = 0;
  return (text) => {
    if (text.length < REMEMBER_FROM_CHARS) return count(text);
    const n = known.get(text);
    if (n !== undefined) {
      known.delete(text); // to the back: most recently used
      known.set(text, n);
      return n;
    }
    const counted = count(text);
    if (text.length > maxChars) return counted;
    known.set(text, counted);
    chars += text.length;
    for (const [oldest] of known) {
      if (chars <= maxChars) break;
      known.delete(oldest);
      chars -= oldest.length;
    }
    return counted;
  };
}

/** The request's text pieces (system, message parts, tool definitions) and the number of images. */
export function requestTexts(request: CanonicalRequest): { texts: string[]; images: number; messages: number } {
  const texts: string[] = [];
  let images = 0;
  if (request.system) texts.push(request.system);
  for (const m of request.messages) {
    for (const p of m.content) {
      if (p.type === 'text') texts.push(p.text);
      else if (p.type === 'image') images++;
      else if (p.type === 'tool_call') texts.push(p.name, p.arguments);
      else texts.push(p.content);
    }
  }
  for (const t of request.tools ?? []) texts.push(t.name, t.description ?? '', JSON.stringify(t.parameters));
  if (request.responseFormat?.type === 'json_schema') texts.push(JSON.stringify(request.responseFormat.schema));
  return { texts, images, messages: request.messages.length + (request.system ? 1 : 0) };
}

export function estimateByCharacters(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN_ESTIMATE);
}

/**
 * Prompt tokens of `request` when served by `target` (undefined when the model does not resolve: the
 * character estimate then). Never throws: a tokenizer failure falls back to the estimate.
 */
export async function countPromptTokens(request: CanonicalRequest, target: Target | undefined, providers: ReadonlyMap<string, Provider>): Promise<number> {
  const { texts, images, messages } = requestTexts(request);
  const overhead = messages * PER_MESSAGE + PRIMER + images * PER_IMAGE;
  try {
    if (target?.provider === 'openai') {
      const encode = await openAIEncoder(target.model);
      return overhead + texts.reduce((n, t) => n + encode(t), 0);
    }
    if (target) {
      const counted = await providers.get(target.provider)?.countTokens?.(texts.join('\n'), target.model);
      if (counted !== undefined) return overhead + counted;
    }
  } catch {
    // fall through to the estimate
  }
  return overhead + texts.reduce((n, t) => n + estimateByCharacters(t), 0);
}

/** Output tokens of streamed text, for a stream that ended without the provider's usage (client gone). */
export async function countOutputTokens(text: string, target: Target | undefined, providers: ReadonlyMap<string, Provider>): Promise<number> {
  if (!text) return 0;
  try {
    if (target?.provider === 'openai') return (await openAIEncoder(target.model))(text);
    if (target) {
      const counted = await providers.get(target.provider)?.countTokens?.(text, target.model);
      if (counted !== undefined) return counted;
    }
  } catch {
    // fall through
  }
  return estimateByCharacters(text);
}
