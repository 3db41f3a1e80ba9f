/**
 * Satisfaction feedback: one JSON line per score in `<home>/logs/feedback.jsonl`, kept in memory by request
 * id (feedback is rare next to requests) so the request log and the summary can join it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import type { RequestRecord } from '../protocol/observability.js';

export type Feedback = NonNullable<RequestRecord['feedback']>;

/** A score on 0..1: thumbs up = 1, down = 0; five stars = 1, one star = 0. */
export function normalizedScore(f: { score: number; scale: 2 | 5 }): number {
  return f.scale === 2 ? (f.score > 0 ? 1 : 0) : (f.score - 1) / 4;
}

export class FeedbackStore {
  private readonly byId = new Map<string, Feedback>();
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {
    if (!existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const { request_id, ...f } = JSON.parse(line) as Feedback & { request_id: string };
        this.byId.set(request_id, f);
      } catch {
        // a torn line after a crash
      }
    }
  }

  get(id: string): Feedback | undefined {
    return this.byId.get(id);
  }

  /** The latest score for a request wins (a user may change their mind). */
  add(id: string, f: Feedback): Promise<void> {
    this.byId.set(id, f);
    const line = JSON.stringify({ request_id: id, ...f }) + '\n';
    this.writing = this.writing.then(() => appendFile(this.file, line, { mode: 0o600 }));
    return this.writing;
  }
}
