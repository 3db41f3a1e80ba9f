/**
 * Replacing the snapshot folder with a freshly written one by renames, and finishing or undoing a replacement a
 * crash interrupted. The steps, with `index` the live folder:
 *   1. write `index.next` completely (fsync'd)      — crash: `index.next` is dropped, `index` is intact
 *   2. rename `index` → `index.old`                 — crash: no `index`; `index.next` is complete, so it goes in
 *   3. rename `index.next` → `index`, fsync parent  — crash: `index.old` is dropped
 *   4. (the caller empties the journal)             — crash before it: replaying it again is harmless
 *   5. remove `index.old`
 * The journal is only emptied after step 3, so at every point snapshot + journal hold everything flushed.
 */
import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export const nextFolder = (folder: string) => `${folder}.next`;
const oldFolder = (folder: string) => `${folder}.old`;

/** Swaps `<folder>.next` (complete) in for `folder` (steps 2–3); call `dropPrevious` once the journal is emptied. */
export async function swapIn(folder: string): Promise<void> {
  if (existsSync(folder)) {
    await rm(oldFolder(folder), { recursive: true, force: true });
    await rename(folder, oldFolder(folder));
  }
  await rename(nextFolder(folder), folder);
  await syncDir(path.dirname(folder));
}

export async function dropPrevious(folder: string): Promise<void> {
  await rm(oldFolder(folder), { recursive: true, force: true });
}

/** At start: completes or rolls back an interrupted swap. Returns what it did, for the log. */
export async function recoverSwap(folder: string): Promise<string | undefined> {
  let did: string | undefined;
  if (!existsSync(folder) && existsSync(oldFolder(folder))) {
    if (existsSync(nextFolder(folder))) {
      await rename(nextFolder(folder), folder);
      did = 'finished an interrupted compaction (new snapshot moved in)';
    } else {
      await rename(oldFolder(folder), folder);
      did = 'rolled back an interrupted compaction (previous snapshot kept)';
    }
  }
  if (existsSync(nextFolder(folder))) {
    did ??= 'dropped an unfinished snapshot (the journal still holds its changes)';
    await rm(nextFolder(folder), { recursive: true, force: true });
  }
  if (existsSync(oldFolder(folder))) {
    did ??= 'removed the previous snapshot left by an interrupted compaction';
    await rm(oldFolder(folder), { recursive: true, force: true });
  }
  return did;
}

/** Makes the renames durable before the journal they replace is emptied (a no-op where dirs cannot be opened). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  }
}
