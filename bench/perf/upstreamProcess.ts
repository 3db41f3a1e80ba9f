/**
 * The fake OpenAI upstream in its own process, so that its event loop competes with neither the load
 * generator nor the gateway under test (each side of the comparison then pays the same cost for it).
 * Run as a child: `node --import tsx bench/perf/upstreamProcess.ts <delayHeadersMs> <chunkDelayMs>`; it prints
 * one JSON line `{ "url": … }` once listening. The parent side is `startUpstreamProcess`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { startFakeOpenAI } from '../../test/fakes/fakeOpenAI.js';

export const UPSTREAM_KEY = 'sk-bench-upstream';
/** In the prompt of requests whose client asked for a stream (see load.ts): only those get `chunkDelayMs`. */
export const STREAM_MARKER = '(streamed)';
const STREAM_MARK = /\(streamed\)/;

export interface UpstreamProcess {
  /** `http://127.0.0.1:PORT/v1` */
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface UpstreamTiming {
  /** Wait before the response headers (every request). */
  delayMs: number;
  /** Streaming: wait before each content delta. */
  chunkDelayMs: number;
}

export async function startUpstreamProcess(timing: UpstreamTiming): Promise<UpstreamProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, String(timing.delayMs), String(timing.chunkDelayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`fake upstream exited with ${code} before listening`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function main(): Promise<void> {
  const [delayMs, chunkDelayMs] = process.argv.slice(2).map(Number);
  // Gateways may ask the upstream for a stream when their client did not (Switchboard always streams), so the
  // delay between deltas is keyed on the client's request — marked in the prompt, which every gateway passes on.
  const fake = await startFakeOpenAI({
    apiKey: UPSTREAM_KEY,
    defaultBehaviour: (req) => ({ delayHeadersMs: delayMs, chunkDelayMs: STREAM_MARK.test(req.rawBody) ? chunkDelayMs : 0 }),
  });
  // The fake records every request for tests; a soak of 200,000 would make that record the memory hog.
  setInterval(() => fake.requests.splice(0), 1000).unref();
  process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
  process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
