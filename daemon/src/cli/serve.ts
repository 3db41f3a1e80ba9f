import { setFlagsFromString } from 'node:v8';
import type { LoadedConfig } from '../config/load.js';
import { startDaemon } from '../daemon.js';

export async function runServe(opts: { loaded: LoadedConfig; home: string; port?: number }): Promise<number> {
  // V8 moves allocation sites whose objects often survive a scavenge straight to the old generation. A gateway's
  // request-scoped objects live about as long as a scavenge period under load, so whole sites got pretenured and
  // their short-lived objects filled the old generation: at 500 req/s all on, mark-compacts (11–18 ms) came
  // every few seconds and set the P99. Set before anything is allocated in bulk; a pretenuring flag on the
  // command line wins (bench/gcUnderLoad.ts compares the two).
  if (!process.execArgv.some((a) => a.includes('allocation-site-pretenuring'))) setFlagsFromString('--no-allocation-site-pretenuring');
  // After a mark-compact V8 lets the old generation grow by a factor it picks from its GC and mutator speeds;
  // for this heap under load it picked ~1.2 (55 → 64 MB), so one came every ~6 s at 500 req/s, each a 9–18 ms
  // pause plus ~150 ms of concurrent marking on helper threads, which a 2-core machine takes from the requests.
  // Doubling trades ~50 MB of peak heap under sustained load for a quarter as many (bench/gcUnderLoad.ts:
  // 4–8 → 1 per 30 s, pooled P99 16–21 → 7–12 ms). Idle, V8's memory reducer still shrinks the heap.
  if (!process.execArgv.some((a) => a.includes('heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=100');
  // Signals are handled from the first instant: one that arrives while the daemon starts stops it gracefully
  // as soon as it is up, instead of killing the process with the state file and socket left behind.
  let stopAsked: string | undefined;
  let onSignal = (signal: string) => {
    stopAsked = signal;
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  let daemon;
  try {
    daemon = await startDaemon({ config: opts.loaded.config, home: opts.home, port: opts.port });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      console.error(`switchboard: port ${opts.port ?? opts.loaded.config.server.port} is in use. Is another daemon running? Try "switchboard status", or --port N.`);
      return 1;
    }
    throw e;
  }
  const lines = [
    `Switchboard is serving on ${daemon.url} (OpenAI: ${daemon.url}/v1, Anthropic: ${daemon.url})`,
    `  socket: ${daemon.socketPath}   data: ${opts.home}   config: ${opts.loaded.file ?? 'embedded defaults'}`,
    `  tiers: ${daemon.gateway.tiers().map((t) => `${t.id} ${t.state}`).join(', ')}`,
  ];
  if (daemon.masterKey?.created) {
    lines.push(`  A master key was generated and stored in ${opts.home}/master.key (0600). Clients send it as the API key:`, `    ${daemon.masterKey.key}`);
  } else if (daemon.masterKey) {
    lines.push(`  API key: the master key (${daemon.masterKey.source === 'env' ? 'SWITCHBOARD_MASTER_KEY' : `${opts.home}/master.key`})`);
  }
  console.error(lines.join('\n'));
  const running = daemon;
  onSignal = (signal: string) => {
    console.error(`switchboard: ${signal} received, finishing in-flight requests…`);
    void running.stop();
  };
  if (stopAsked) onSignal(stopAsked);
  // Resolves however the stop was asked for: a signal, or POST /switchboard/v1/shutdown over the socket.
  await daemon.stopped;
  return 0;
}
