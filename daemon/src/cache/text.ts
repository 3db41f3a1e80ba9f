/**
 * Text handling shared by the word-vector embedder and the correctness guard: one tokenizer, so that what
 * the embedding sees and what the guard checks are the same words.
 */

/** A token with its surface form (case kept, for the guard) and its lower-cased form (for lookups). */
export interface Token {
  raw: string;
  lower: string;
  /** Position in the sentence, 0-based. */
  pos: number;
}

// Words, numbers with decimal points or separators, and product-style tokens (C++, C#, .NET, node.js, MP4).
const TOKEN = /[A-Za-z0-9]+(?:[.'’+#-][A-Za-z0-9]+)*(?:\+\+|#)?|\$|%|£|€|°/g;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  // match() with /g gives the strings alone: matchAll's match objects were most of a lookup's allocation.
  for (const word of text.normalize('NFKC').match(TOKEN) ?? []) {
    const raw = word.includes('’') ? word.replace(/’/g, "'") : word;
    if (!raw.includes("'")) {
      out.push({ raw, lower: raw.toLowerCase(), pos: out.length });
      continue;
    }
    // "don't" → "do" + "not", "can't" → "can" + "not": the embedding and the negation check both see "not".
    const neg = /^(.*?)n't$/i.exec(raw);
    if (neg && neg[1]) {
      const stem = neg[1].toLowerCase() === 'ca' ? 'can' : neg[1].toLowerCase() === 'wo' ? 'will' : neg[1];
      out.push({ raw: stem, lower: stem.toLowerCase(), pos: out.length });
      out.push({ raw: 'not', lower: 'not', pos: out.length });
      continue;
    }
    const contraction = /^(.+)'(ve|m|re|ll|d)$/i.exec(raw);
    if (contraction) {
      const expanded = { ve: 'have', m: 'am', re: 'are', ll: 'will', d: 'would' }[contraction[2]!.toLowerCase() as 've'];
      out.push({ raw: contraction[1]!, lower: contraction[1]!.toLowerCase(), pos: out.length });
      out.push({ raw: expanded, lower: expanded, pos: out.length });
      continue;
    }
    const lower = raw.toLowerCase();
    // Possessive 's adds nothing to the meaning the cache compares.
    const base = lower.endsWith("'s") ? lower.slice(0, -2) : lower;
    out.push({ raw: raw.endsWith("'s") ? raw.slice(0, -2) : raw, lower: base, pos: out.length });
  }
  return out;
}

/**
 * Function words dropped before averaging word vectors (averages separate well only without them). Question
 * words and negations are dropped too: the embedding cannot weigh them, the guard checks them instead.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or but if then else of to in on at by for with about from into onto over under as is are was were be been being ' +
    'am do does did doing have has had having i me my mine myself you your yours yourself we us our ours they them their theirs ' +
    'he him his she her hers it its itself this that these those there here what which who whom whose when where why how ' +
    'can could should would will shall may might must not no never any some all each every such so than too very just also ' +
    "only own same other others again further once up out off down more most much many few both either neither nor s t " +
    'get got gets let lets make makes made one ones thing things way ways really actually please tell know want need like ' +
    'would anyone someone somebody anybody something anything'
  ).split(/\s+/),
);

export function contentWords(tokens: readonly Token[]): string[] {
  return tokens.filter((t) => !STOP_WORDS.has(t.lower) && !/^[$%£€°]$/.test(t.lower)).map((t) => t.lower);
}
