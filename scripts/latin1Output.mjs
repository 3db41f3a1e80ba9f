// Rewrites every character above U+00FF in the bundle's .js files as a \uXXXX escape.
//
// V8 keeps each script's whole source text in the heap for as long as the process lives (functions are compiled
// lazily from it). One character above U+00FF anywhere in a file — an em dash in a comment is enough — makes it
// a two-byte string: twice the memory for the whole file. esbuild already escapes strings and identifiers
// (charset ascii) but leaves comments and regular-expression literals as written; those are the only places
// left, and in both the escape means the same character (`\’` in a regex becomes `\u2019`, not `\\u2019`).
// Source maps stay right except a few columns after such a character on its own line.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Returns how many characters were escaped in `file`. */
export function latin1Output(file) {
  const text = readFileSync(file, 'utf8');
  let count = 0;
  // One UTF-16 unit at a time: an astral character (emoji) becomes its surrogate pair, which a regex reads back
  // as the same character with or without the u flag.
  const out = text.replace(/(\\*)([^\x00-\xff])/g, (_, backslashes, ch) => {
    count++;
    const escape = `u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    // An odd run of backslashes already escapes the character: keep it as the escape's own backslash.
    return backslashes.length % 2 === 1 ? `${backslashes}${escape}` : `${backslashes}\\${escape}`;
  });
  if (count > 0) {
    // Replaced in one step: a daemon starting meanwhile (another engineer's test run) reads a whole file.
    writeFileSync(`${file}.${process.pid}.tmp`, out);
    renameSync(`${file}.${process.pid}.tmp`, file);
  }
  return count;
}
