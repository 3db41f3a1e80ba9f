/**
 * Redaction for logged prompt and completion text: secrets (the daemon's known keys and key-shaped tokens),
 * then personal data that is reliably detectable by shape — email addresses, card numbers (Luhn-checked, so
 * order numbers survive), phone numbers, US social security numbers and IPv4 addresses.
 */
import { redactKnown } from '../redact.js';

/** An address's domain, tried right after each `@` (see redactEmails). */
const EMAIL_DOMAIN = /[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/y;
const LOCAL_PART = /[A-Za-z0-9._%+-]/;
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
const SSN = /\b\d{3}-\d{2}-\d{4}\b/g;
// Not part of a longer run of digit groups (a card number that failed the Luhn check stays whole).
const PHONE = /(?<!\d[\s.-]?)(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])\d{3,4}[\s.-]?\d{3,4}\b(?![\s.-]?\d)/g;
const IPV4 = /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Replaces what `/[A-Za-z0-9._%+-]+@<EMAIL_DOMAIN>/g` matches, in linear time. As that one regex, a long run of
 * address characters with no `@` after it (a pasted hash, a number) was rescanned from each of its characters:
 * quadratic (20,000 characters: 0.35 s). Here each `@` is looked at once: the local part is the run of address
 * characters before it (not reaching back into the previous match), the domain is matched right after it.
 */
function redactEmails(text: string): string {
  let out = '';
  let done = 0; // end of the last match (or 0): what is before it has been copied to `out`
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    if (at < done) continue;
    let start = at;
    while (start > done && LOCAL_PART.test(text[start - 1] as string)) start--;
    if (start === at) continue;
    EMAIL_DOMAIN.lastIndex = at + 1;
    if (!EMAIL_DOMAIN.test(text)) continue;
    out += `${text.slice(done, start)}[EMAIL]`;
    done = EMAIL_DOMAIN.lastIndex;
  }
  return done === 0 ? text : out + text.slice(done);
}

export function redactPii(text: string, secrets: Iterable<string | undefined> = []): string {
  return redactEmails(redactKnown(text, secrets))
    .replace(CARD, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length >= 13 && luhn(digits) ? '[CARD]' : m;
    })
    .replace(SSN, '[SSN]')
    .replace(IPV4, '[IP]')
    .replace(PHONE, (m) => (m.replace(/\D/g, '').length >= 9 ? '[PHONE]' : m));
}
