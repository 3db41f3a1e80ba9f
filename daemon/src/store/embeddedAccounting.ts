/**
 * The embedded counter store and ledger: levels in memory (one process, so a reservation is atomic), saved to
 * `<home>/limits/counters.json` with an atomic rename a moment after they change, and the ledger as one JSON
 * line per request in `<home>/ledger/<UTC day>.jsonl`, appended in batches. Both survive a restart; neither
 * write sits on a request's path.
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { pruneLevels, reserveIn, settleIn, type Charge, type CounterLevel, type CounterStore, type ReserveOutcome } from '../limits/counters.js';
import { LedgerEntrySchema, type LedgerEntry } from '../protocol/usage.js';
import { Pacer } from '../pacer.js';
import { writeFileAtomicAsync } from './home.js';

export interface EmbeddedOptions {
  home: string;
  now?: () => number;
  /** Delay between a change and its save (ms). */
  saveDelayMs?: number;
  onError?: (what: string, e: unknown) => void;
}

/** How long ledger entries wait to be appended together (a crash loses at most this much of the ledger). */
const LEDGER_BATCH_MS = 100;

export class EmbeddedAccounting implements CounterStore {
  private readonly levels = new Map<string, CounterLevel>();
  private readonly countersFile: string;
  private readonly ledgerDir: string;
  private readonly now: () => number;
  private saveTimer: NodeJS.Timeout | undefined;
  private pending: LedgerEntry[] = [];
  private flushing: Promise<void> = Promise.resolve();
  /** Saves run one after another, so an older snapshot never overwrites a newer one. */
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly opts: EmbeddedOptions) {
    this.now = opts.now ?? Date.now;
    this.countersFile = path.join(opts.home, 'limits', 'counters.json');
    this.ledgerDir = path.join(opts.home, 'ledger');
    mkdirSync(path.dirname(this.countersFile), { recursive: true, mode: 0o700 });
    mkdirSync(this.ledgerDir, { recursive: true, mode: 0o700 });
    this.load();
  }

  async reserve(charges: readonly Charge[]): Promise<ReserveOutcome> {
    const outcome = reserveIn(this.levels, charges, this.now());
    if (outcome.ok) this.scheduleSave();
    return outcome;
  }

  async settle(charges: readonly Charge[], entry?: LedgerEntry): Promise<void> {
    settleIn(this.levels, charges, this.now());
    this.scheduleSave();
    if (entry) {
      this.pending.push(entry);
      // One append per batch window, not per request: each append opens and closes the day file, which cost
      // ~6 % of the daemon's CPU under load when done on every turn of the event loop.
      if (this.pending.length === 1) setTimeout(() => void this.flush(), LEDGER_BATCH_MS).unref();
    }
  }

  async entries(from?: string, to?: string): Promise<LedgerEntry[]> {
    await this.flush();
    const out: LedgerEntry[] = [];
    for (const file of readdirSync(this.ledgerDir).sort()) {
      const day = file.replace(/\.jsonl$/, '');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || (from && day < from) || (to && day > to)) continue;
      for (const line of readFileSync(path.join(this.ledgerDir, file), 'utf8').split('\n')) {
        if (!line) continue;
        // A line cut by a killed process is skipped, not fatal.
        try {
          const parsed = LedgerEntrySchema.safeParse(JSON.parse(line));
          if (parsed.success) out.push(parsed.data);
        } catch {
          continue;
        }
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.save();
    }
    await this.saving;
  }

  /** Appends the queued entries, grouped by day file, one write per file. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.pending;
      this.pending = [];
      const byDay = new Map<string, string>();
      for (const e of batch) byDay.set(e.at.slice(0, 10), (byDay.get(e.at.slice(0, 10)) ?? '') + JSON.stringify(e) + '\n');
      for (const [day, text] of byDay) {
        await appendFile(path.join(this.ledgerDir, `${day}.jsonl`), text, { mode: 0o600 }).catch((e: unknown) => this.opts.onError?.('ledger append', e));
      }
    });
    return this.flushing;
  }

  private scheduleSave(): void {
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, this.opts.saveDelayMs ?? 250);
    this.saveTimer.unref?.();
  }

  /** Writes the levels without blocking the event loop (no sync I/O while serving, encoding paced). */
  private save(): void {
    pruneLevels(this.levels, this.now());
    this.saving = this.saving
      .then(() => levelsJson(this.levels))
      .then((text) => writeFileAtomicAsync(this.countersFile, text))
      .catch((e: unknown) => this.opts.onError?.('counters save', e));
  }

  private load(): void {
    try {
      const saved = JSON.parse(readFileSync(this.countersFile, 'utf8')) as Record<string, CounterLevel>;
      for (const [id, level] of Object.entries(saved)) this.levels.set(id, level);
    } catch {
      // No saved counters yet (first start), or an unreadable file: start from full buckets.
    }
  }
}

/**
 * The levels as one JSON object, encoded in paced slices: with per-end-user limits a busy daemon holds tens of
 * thousands of levels, and one JSON.stringify of 20,000 held the event loop ~20–30 ms, four times a second.
 * Levels that change while it runs are written as they are when reached (each one is whole; the next save,
 * scheduled by that change, writes them again).
 */
async function levelsJson(levels: ReadonlyMap<string, CounterLevel>): Promise<string> {
  const pacer = new Pacer();
  const parts: string[] = [];
  for (const [id, level] of levels) {
    parts.push(`${JSON.stringify(id)}:${JSON.stringify(level)}`);
    if (pacer.due) await pacer.rest();
  }
  return `{${parts.join(',')}}`;
}
