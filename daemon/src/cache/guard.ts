/**
 * The correctness guard: a lexical check on every semantic candidate before it is served. Averaged word
 * vectors (and, to a lesser degree, sentence-embedding models) cannot see negation, numbers, word order or
 * which product/place a question is about; QQP's non-duplicates are often near-verbatim ("… on Mac" / "… on
 * Windows", "AVI to MP4" / "MP4 to AVI"). Each rule returns the reason it rejected, for the log.
 */
import { STOP_WORDS, tokenize, type Token } from './text.js';

export interface GuardOptions {
  /** Least Jaccard overlap of all tokens (stop words included) between the two questions. */
  minOverlap: number;
  /** Words whose frequency rank is beyond this count as specific names; -1 turns the rule off. */
  rareRank: number;
  /** Frequency rank of a lower-cased word in the embedder's vocabulary (undefined: not in it). */
  rank?: (word: string) => number | undefined;
  /** Reject when each side has a content word the other lacks (default on). */
  swaps?: boolean;
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

const NEGATIONS = new Set(['not', 'no', 'never', 'without', 'none', 'nobody', 'nothing', 'neither', 'nor', 'cannot', 'nowhere', 'unable', 'lack', 'lacks']);

/** Polar pairs: a question about one side is never answered by one about the other. */
const POLAR_PAIRS = [
  'on/off open/close open/closed opened/closed enable/disable enabled/disabled install/uninstall installed/uninstalled',
  'increase/decrease increase/reduce up/down before/after max/min maximum/minimum more/less more/fewer most/least',
  'best/worst better/worse good/bad start/stop start/end begin/end add/remove add/delete buy/sell win/lose gain/lose',
  'true/false yes/no positive/negative high/low higher/lower highest/lowest fast/slow faster/slower big/small large/small',
  'bigger/smaller larger/smaller import/export encrypt/decrypt encode/decode upload/download push/pull lock/unlock',
  'allow/deny allow/block accept/reject connect/disconnect show/hide male/female men/women man/woman boy/girl boys/girls',
  'past/future old/new older/newer rich/poor love/hate like/dislike legal/illegal pros/cons advantages/disadvantages',
  'cheap/expensive cheapest/expensive hot/cold easy/hard easy/difficult easier/harder left/right north/south east/west',
  'above/below inside/outside first/last early/late earlier/later long/short longer/shorter always/never import/export',
  'send/receive sent/received input/output lowercase/uppercase ascending/descending forward/backward front/back',
  'vertical/horizontal online/offline public/private safe/dangerous healthy/unhealthy success/failure pass/fail',
  'mount/unmount subscribe/unsubscribe follow/unfollow login/logout sign/unsign plus/minus increment/decrement',
].join(' ');
const POLAR = POLAR_PAIRS.split(/\s+/).map((p) => p.split('/') as [string, string]);
/** For each word of a polar pair, the pairs it is in (by their place in POLAR): a check looks up a question's words, not every pair. */
const POLAR_BY_WORD = new Map<string, number[]>();
POLAR.forEach((pair, i) => {
  for (const w of pair) POLAR_BY_WORD.set(w, [...(POLAR_BY_WORD.get(w) ?? []), i]);
});

const NUMBER_WORDS = new Map(
  'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion trillion first second third fourth fifth sixth seventh eighth ninth tenth half double triple twice once'
    .split(' ')
    .map((w) => [w, w]),
);
/** Question words by what they ask for: "what is the best way" and "how do I" ask the same. */
const QUESTION_CLASS = new Map([
  ['what', 'what'], ['which', 'what'], ['how', 'what'],
  ['why', 'why'], ['when', 'when'], ['where', 'where'], ['who', 'who'], ['whom', 'who'], ['whose', 'who'],
]);
const UNITS_AND_DATES = new Set(
  (
    'km kms kilometer kilometers kilometre kilometres mile miles meter meters metre metres m cm mm inch inches foot feet ft yard yards ' +
    'kg kgs kilogram kilograms g gram grams lb lbs pound pounds ounce ounces oz ton tons tonne tonnes liter liters litre litres ml gallon gallons ' +
    'celsius fahrenheit kelvin degree degrees % percent percentage $ £ € dollar dollars usd euro euros rupee rupees inr pound yen yuan ' +
    'kb mb gb tb kbps mbps gbps hz khz mhz ghz w kw kwh watt watts volt volts v mah ' +
    'second seconds minute minutes hour hours day days week weeks month months year years decade decades century centuries ' +
    'today tomorrow yesterday tonight morning evening night weekend weekday ' +
    'january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec ' +
    'monday tuesday wednesday thursday friday saturday sunday'
  ).split(' '),
);
/**
 * Named things users often type in lower case: platforms, products, languages. Capitalised words and rare
 * words are caught by their own rules; these are common enough to slip through the rare-word rule.
 */
const NAMED = new Set(
  (
    'mac macos osx windows linux ubuntu debian fedora android ios iphone ipad ipod macbook chromebook chrome firefox safari edge opera ' +
    'python java javascript typescript php ruby perl rust go golang kotlin swift scala haskell c c++ c# html css sql mysql postgres postgresql mongodb ' +
    'redis docker kubernetes aws azure gcp google facebook instagram whatsapp twitter youtube amazon apple microsoft samsung xiaomi nokia sony ' +
    'netflix uber paypal bitcoin ethereum excel word powerpoint outlook gmail yahoo skype zoom slack github git npm node nodejs react angular vue ' +
    'india china usa us uk america american indian chinese british english hindi french german spanish japanese russian canada australia europe ' +
    'africa asia london paris delhi mumbai bangalore york california texas trump obama modi clinton hillary'
  ).split(' '),
);

const AUXILIARIES = new Set('is are am was were do does did can could should would will shall may might must has have had'.split(' '));
const QUANTIFIERS = new Set(['all', 'most', 'many', 'few', 'every', 'each', 'several', 'only']);

/** The kinds of question asked: wh-classes, or `yes/no` for a question that opens with an auxiliary. */
function questionForm(tokens: Token[]): Set<string> {
  const s = setOf(tokens, (t) => QUESTION_CLASS.get(t.lower));
  if (s.size === 0 && tokens[0] && AUXILIARIES.has(tokens[0].lower)) s.add('yes/no');
  return s;
}

export function guardPair(a: string, b: string, opts: GuardOptions): GuardVerdict {
  const ta = tokenize(a);
  const tb = tokenize(b);
  const la = ta.map((t) => t.lower);
  const lb = tb.map((t) => t.lower);
  const sa = new Set(la);
  const sb = new Set(lb);

  const diff = (pick: (t: Token, i: number, all: Token[]) => string | undefined, what: string): GuardVerdict | undefined => {
    const xa = setOf(ta, pick);
    const xb = setOf(tb, pick);
    if (sameSet(xa, xb)) return undefined;
    // Only what differs, for a readable log line.
    const onlyA = [...xa].filter((x) => !xb.has(x));
    const onlyB = [...xb].filter((x) => !xa.has(x));
    return { ok: false, reason: `${what} differ: {${onlyA.join(', ')}} vs {${onlyB.join(', ')}}` };
  };

  const numbers = diff((t) => (/\d/.test(t.lower) ? t.lower.replace(/,/g, '') : NUMBER_WORDS.get(t.lower)), 'numbers');
  if (numbers) return numbers;
  const negA = la.filter((w) => NEGATIONS.has(w)).length;
  const negB = lb.filter((w) => NEGATIONS.has(w)).length;
  if (negA > 0 !== negB > 0) return { ok: false, reason: `negation differs: ${negA > 0 ? 'first' : 'second'} is negated` };
  const polar = firstPolarPair(sa, sb);
  if (polar) {
    const [x, y] = polar;
    return { ok: false, reason: `polarity differs: "${sa.has(x) ? x : y}" vs "${sb.has(x) ? x : y}"` };
  }
  const units = diff((t) => (UNITS_AND_DATES.has(t.lower) ? t.lower : undefined), 'units or dates');
  if (units) return units;
  // "Should I stop X?" (yes/no) is not "How should I stop X?"; a statement has no form and is not compared.
  const qa = questionForm(ta);
  const qb = questionForm(tb);
  if (qa.size > 0 && qb.size > 0 && !sameSet(qa, qb)) return { ok: false, reason: `question words differ: {${[...qa].join(', ')}} vs {${[...qb].join(', ')}}` };
  // Named things: capitalised words not at the start of the sentence, mixed-case or symbol-bearing tokens
  // (iPhone, MP4, C++), known platform/product names, words the vocabulary lacks, and rare words.
  const named = (t: Token, i: number): string | undefined => {
    const w = t.lower;
    if (NAMED.has(w)) return w;
    if (STOP_WORDS.has(w)) return undefined;
    if (i > 0 && /^[A-Z]/.test(t.raw)) return w;
    if (/[A-Z].*[A-Z]|[a-z][A-Z]|[+#.]|\d/.test(t.raw)) return w;
    if (opts.rank && opts.rareRank >= 0) {
      const r = opts.rank(w);
      if (r === undefined || r > opts.rareRank) return w;
    }
    return undefined;
  };
  const quantifiers = diff((t) => (QUANTIFIERS.has(t.lower) ? t.lower : undefined), 'quantifiers');
  if (quantifiers) return quantifiers;
  const names = diff(named, 'named things');
  if (names) return names;
  const overlap = jaccard(sa, sb);
  if (overlap < opts.minOverlap) return { ok: false, reason: `word overlap ${overlap.toFixed(2)} < ${opts.minOverlap}` };
  // A content word swapped for another ("a degree in psychology" / "in journalism") changes the subject;
  // words only added on one side usually narrow the same question.
  if (opts.swaps !== false) {
    const ca = la.filter((w) => !STOP_WORDS.has(w) && !sb.has(w));
    const cb = lb.filter((w) => !STOP_WORDS.has(w) && !sa.has(w));
    if (ca.length > 0 && cb.length > 0) return { ok: false, reason: `words swapped: {${ca.join(', ')}} vs {${cb.join(', ')}}` };
  }
  // Order of the shared content words ("AVI to MP4" vs "MP4 to AVI").
  const sharedA = la.filter((w) => sb.has(w) && !STOP_WORDS.has(w));
  const sharedB = lb.filter((w) => sa.has(w) && !STOP_WORDS.has(w));
  const ua = [...new Set(sharedA)];
  const ub = [...new Set(sharedB)];
  if (ua.join(' ') !== ub.join(' ')) return { ok: false, reason: `word order differs: "${ua.join(' ')}" vs "${ub.join(' ')}"` };
  return { ok: true };
}

/**
 * The first pair of POLAR with one side only in `a` and the other only in `b`. Such a pair has a word in `a`,
 * so only the pairs of a's words are checked (a few instead of ~130); the first of them in POLAR's order is the
 * one reported, as a walk over POLAR would.
 */
function firstPolarPair(a: Set<string>, b: Set<string>): [string, string] | undefined {
  let first = Infinity;
  for (const w of a) {
    for (const i of POLAR_BY_WORD.get(w) ?? []) {
      if (i >= first) continue;
      const [x, y] = POLAR[i]!;
      if ((a.has(x) && !a.has(y) && b.has(y) && !b.has(x)) || (a.has(y) && !a.has(x) && b.has(x) && !b.has(y))) first = i;
    }
  }
  return first === Infinity ? undefined : POLAR[first];
}

function setOf(tokens: Token[], pick: (t: Token, i: number, all: Token[]) => string | undefined): Set<string> {
  const s = new Set<string>();
  tokens.forEach((t, i) => {
    const v = pick(t, i, tokens);
    if (v !== undefined) s.add(v);
  });
  return s;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 1 : inter / union;
}
