/**
 * Garbage collection under a steady load (issue 8's P99): the all-on daemon (bench/perf.ts ALL_ON_YAML) at a
 * fixed rate over 50 keep-alive connections, after its cache was filled, for one or more variants — another
 * build, other V8 flags — in rotating rounds. Prints each variant's P50/P99, CPU per request and what
 * `--trace-gc-nvp` reported meanwhile (scavenges, mark-compacts, their pauses, and the bytes scavenges promoted
 * to the old generation per request: what fills it for the mark-compacts, and a figure the machine's noise
 * hardly moves, unlike the P99).
 *
 *   node --import tsx bench/gcUnderLoad.ts [--rounds 8] [--seconds 4] [--rate 500] [--variant NAME=FLAGS[@CLI]]…
 *
 * Without --variant: this build as it runs, and with V8's allocation-site pretenuring back on (the daemon turns
 * it off unless the command line names it). FLAGS are space-separated node flags; CLI another build's cli.js.
 *
 *   node --experimental-websocket --import tsx bench/gcUnderLoad.ts --alloc [--requests 12000] [--survivors]
 *
 * samples the daemon's allocations through the inspector (objects collected by either GC included) over N
 * requests at the same rate and prints KB allocated per request by function: what makes the scavenges. With
 * --survivors, only objects no scavenge collected (promoted to the old generation, or still live): what makes
 * the mark-compacts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectInspector, type DaemonUnderTest } from './daemonProcess.js';
import { closedLoop, fixedRate, type Target } from './perf/load.js';
import { startUpstreamProcess } from './perf/upstreamProcess.js';
import { ALL_ON_YAML, cpuMs, startSwitchboard, switchboardTarget, waitCacheReady } from './perf.js';
import { moduleOf } from './profile.js';
import { percentile, table } from './stats.js';

const args = process.argv.slice(2);
const num = (flag: string, fallback: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
const rounds = num('--rounds', 8);
const seconds = num('--seconds', 4);
const rate = num('--rate', 500);
const alloc = args.includes('--alloc');
const survivors = args.includes('--survivors');
const variants = args
  .flatMap((a, i) => (a === '--variant' ? [args[i + 1]!] : []))
  .map((v) => {
    const [name, rest = ''] = v.split(/=(.*)/s) as [string, string?];
    const [flags, cli] = rest.split('@') as [string, string?];
    return { name, flags: flags.split(/\s+/).filter(Boolean), cli };
  });
if (variants.length === 0) variants.push({ name: 'this build', flags: [], cli: undefined }, { name: 'pretenuring on', flags: ['--allocation-site-pretenuring'], cli: undefined });
if (alloc && typeof WebSocket === 'undefined') throw new Error('--alloc needs a WebSocket: run node with --experimental-websocket');

interface Gc {
  scavenges: number;
  scavengeMs: number;
  markCompacts: number;
  markCompactMs: number;
  longestMs: number;
  promotedBytes: number;
  requests: number;
}

const upstream = await startUpstreamProcess({ delayMs: 0, chunkDelayMs: 1 });
const dir = mkdtempSync(join(tmpdir(), 'sb-gc-'));
const started: { name: string; d: DaemonUnderTest; t: Target; gc: Gc }[] = [];
let counting = false;
try {
  for (const v of alloc ? variants.slice(0, 1) : variants) {
    const d = await startSwitchboard(upstream, dir, 'allOn', ALL_ON_YAML, {
      nodeArgs: alloc ? ['--inspect=127.0.0.1:0', ...v.flags] : ['--trace-gc-nvp', ...v.flags],
      ...(v.cli && { cli: v.cli }),
    });
    const gc: Gc = { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0, longestMs: 0, promotedBytes: 0, requests: 0 };
    // --trace-gc-nvp: one line per collection, "[pid:addr]  1234 ms: pause=1.6 mutator=… gc=s … promoted=123456 …"
    // (gc=s a scavenge, gc=mc a mark-compact).
    let partial = '';
    d.child.stdout!.on('data', (b: Buffer) => {
      const lines = (partial + b.toString('utf8')).split('\n');
      partial = lines.pop()!;
      if (!counting) return;
      for (const line of lines) {
        const kind = / gc=(\w+) /.exec(line)?.[1];
        const ms = Number(/ pause=([\d.]+) /.exec(line)?.[1]);
        if (!kind || Number.isNaN(ms)) continue;
        if (kind === 's') {
          [gc.scavenges, gc.scavengeMs] = [gc.scavenges + 1, gc.scavengeMs + ms];
          gc.promotedBytes += Number(/ promoted=(\d+) /.exec(line)?.[1] ?? 0);
        } else if (kind === 'mc') [gc.markCompacts, gc.markCompactMs] = [gc.markCompacts + 1, gc.markCompactMs + ms];
        gc.longestMs = Math.max(gc.longestMs, ms);
      }
    });
    await waitCacheReady(d);
    started.push({ name: v.name, d, t: await switchboardTarget(d, true), gc });
  }
  // Fill the cache to its 10,000 entries (every request misses and stores), and warm the JIT.
  for (const s of started) await closedLoop(s.t, 50, 8000);

  if (alloc) {
    const [{ d, t }] = started as [(typeof started)[number]];
    const inspector = await connectInspector(d);
    const requests = num('--requests', 12_000);
    await inspector.send('HeapProfiler.enable');
    await inspector.send('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMinorGC: !survivors, includeObjectsCollectedByMajorGC: true });
    const r = await fixedRate(t, 50, rate, (requests / rate) * 1000);
    const { profile } = (await inspector.send('HeapProfiler.stopSampling')) as { profile: SamplingNode & { head?: SamplingNode } };
    const bySite = new Map<string, number>();
    const walk = (node: SamplingNode) => {
      const f = node.callFrame;
      const site = `${f.functionName || '(anonymous)'} ${moduleOf(f.url, f.lineNumber, f.functionName)}`;
      if (node.selfSize) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      for (const c of node.children) walk(c);
    };
    walk((profile as { head: SamplingNode }).head);
    inspector.close();
    const n = r.samples.length;
    const total = [...bySite.values()].reduce((a, b) => a + b, 0);
    const what = survivors ? 'that outlived the scavenges' : 'allocated';
    console.log(`${n} requests at ${rate} req/s, all on: ${(total / n / 1024).toFixed(1)} KB ${what} per request (sampled every 4 KB)`);
    console.log(table(['allocation site (function, module)', 'KB per request'], [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => [k, (v / n / 1024).toFixed(2)])));
  } else {
    counting = true;
    const results = new Map<string, { p50: number[]; p99: number[]; cpu: number[]; all: number[] }>(started.map((s) => [s.name, { p50: [], p99: [], cpu: [], all: [] }]));
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < started.length; k++) {
        const s = started[(k + round) % started.length]!;
        const cpu0 = cpuMs(s.d.child.pid!);
        const r = await fixedRate(s.t, 50, rate, seconds * 1000);
        const res = results.get(s.name)!;
        const ms = r.samples.map((x) => x.totalMs);
        res.p50.push(percentile(ms, 0.5));
        res.p99.push(percentile(ms, 0.99));
        for (const x of ms) res.all.push(x);
        res.cpu.push(((cpuMs(s.d.child.pid!) - cpu0) * 1000) / r.samples.length);
        s.gc.requests += r.samples.length;
      }
    }
    counting = false;
    const med = (xs: number[]) => percentile(xs, 0.5);
    // A round is shorter than the time between two mark-compacts, so a round's P99 mostly says whether one
    // fell in it; the P99 of every round's requests together is the steadier figure.
    console.log(`all on, ${rate} req/s over 50 connections, ${rounds} rounds of ${seconds} s per variant (medians; P99 of each round listed; pooled = over all rounds' requests)`);
    console.log(table(
      ['variant', 'P50 ms', 'P99 ms', 'pooled P99', 'pooled P99.9', 'P99 per round', 'CPU µs/req', 'promoted KB/req', 'scavenges', 'scavenge ms', 'mark-compacts', 'mark-compact ms', 'longest ms'],
      started.map(({ name, gc }) => {
        const r = results.get(name)!;
        return [name, med(r.p50).toFixed(3), med(r.p99).toFixed(2), percentile(r.all, 0.99).toFixed(2), percentile(r.all, 0.999).toFixed(2), r.p99.map((x) => x.toFixed(1)).join(' '), med(r.cpu).toFixed(0), (gc.promotedBytes / gc.requests / 1024).toFixed(2), String(gc.scavenges), gc.scavengeMs.toFixed(0), String(gc.markCompacts), gc.markCompactMs.toFixed(0), gc.longestMs.toFixed(1)];
      }),
    ));
  }
} finally {
  for (const s of started) await s.d.stop();
  await upstream.stop();
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}
