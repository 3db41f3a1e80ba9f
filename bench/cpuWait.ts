/**
 * Where a request's time goes on this machine at a fixed rate, process by process: for the fake upstream called
 * directly, the bare Node proxy, and the daemon (minimum and all on), the CPU each process's main thread and its
 * helper threads (V8's GC and compiler workers, libuv's thread pool) spend per request, how long the main
 * thread waited runnable for a CPU (the kernel's run-queue delay), and how often it was switched in — from
 * /proc/<pid>/task/<tid>/schedstat, read before and after each round. Rounds alternate between the targets.
 *
 * What it showed on this machine (README, "The floor at 500 req/s"): a Node process that sleeps between requests
 * pays far more CPU per request than one kept busy (the bare proxy ~270 µs at 500 req/s against ~85 µs in the
 * suite's closed loop), and that CPU, not the wait for a core, is what a request's added latency tracks: the
 * bare proxy alone adds ~0.3 ms at the P50.
 *
 * `--pin` puts each gateway on CPU 1 and the load generator and the fake upstream on CPU 0 (taskset): the main
 * thread's run-queue wait drops to a few µs, the P50 does not (the suite itself never pins).
 *
 * Run: `node --import tsx bench/cpuWait.ts [--rate 500] [--seconds 4] [--rounds 4] [--pin]` (needs `npm run build`;
 * Linux only: /proc and, for --pin, taskset from util-linux).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop, fixedRate, type Target } from './perf/load.js';
import { startNodeProxy } from './perf/nodeProxy.js';
import { startUpstreamProcess, UPSTREAM_KEY } from './perf/upstreamProcess.js';
import { ALL_ON_YAML, MINIMUM_YAML, startSwitchboard, switchboardTarget, waitCacheReady } from './perf.js';
import { percentile, table } from './stats.js';

const args = process.argv.slice(2);
const num = (flag: string, fallback: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
const rate = num('--rate', 500);
const seconds = num('--seconds', 4);
const rounds = num('--rounds', 4);
const pin = args.includes('--pin');

/** Nanoseconds on a CPU, nanoseconds waiting runnable, and times switched in, per thread of a process. */
interface ThreadTimes {
  run: number;
  wait: number;
  slices: number;
}

function threadTimes(pid: number): Map<number, ThreadTimes> {
  const out = new Map<number, ThreadTimes>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait, slices] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
      out.set(Number(tid), { run: run!, wait: wait!, slices: slices! });
    } catch {
      // A thread that exited between the listing and the read.
    }
  }
  return out;
}

/** Per request: the main thread's CPU, run-queue wait and switches-in, and the other threads' CPU (µs). */
interface ProcessShare {
  mainCpu: number;
  mainWait: number;
  mainSlices: number;
  helperCpu: number;
}

function share(pid: number, before: Map<number, ThreadTimes>, after: Map<number, ThreadTimes>, requests: number): ProcessShare {
  const s: ProcessShare = { mainCpu: 0, mainWait: 0, mainSlices: 0, helperCpu: 0 };
  for (const [tid, a] of after) {
    const b = before.get(tid) ?? { run: 0, wait: 0, slices: 0 };
    if (tid === pid) {
      s.mainCpu = (a.run - b.run) / 1000 / requests;
      s.mainWait = (a.wait - b.wait) / 1000 / requests;
      s.mainSlices = (a.slices - b.slices) / requests;
    } else s.helperCpu += (a.run - b.run) / 1000 / requests;
  }
  return s;
}

function taskset(cpu: number, pid: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

interface Subject {
  label: string;
  target: Target;
  /** The gateway's process; undefined for the direct calls. */
  pid?: number;
  stop(): Promise<void>;
  rounds: { gateway?: ProcessShare; upstream: ProcessShare; client: ProcessShare; p50: number; p99: number }[];
}

const upstream = await startUpstreamProcess({ delayMs: 0, chunkDelayMs: 0 });
const upstreamPid = upstream.child.pid!;
const dir = mkdtempSync(join(tmpdir(), 'sb-cpuwait-'));
const subjects: Subject[] = [];
try {
  subjects.push({
    label: 'direct',
    target: { label: 'direct', origin: new URL(upstream.url).origin, path: '/v1/chat/completions', headers: { authorization: `Bearer ${UPSTREAM_KEY}` }, model: 'gpt-4o-mini' },
    stop: async () => {},
    rounds: [],
  });
  const proxy = await startNodeProxy(upstream.url, UPSTREAM_KEY);
  subjects.push({ label: 'bare node proxy', target: { label: 'proxy', origin: proxy.url, path: '/v1/chat/completions', headers: {}, model: 'gpt-4o-mini' }, pid: proxy.child.pid!, stop: () => proxy.stop(), rounds: [] });
  const minimum = await startSwitchboard(upstream, dir, 'minimum', MINIMUM_YAML);
  subjects.push({ label: 'switchboard (minimum)', target: await switchboardTarget(minimum, false), pid: minimum.child.pid!, stop: () => minimum.stop(), rounds: [] });
  const allOn = await startSwitchboard(upstream, dir, 'all-on', ALL_ON_YAML);
  await waitCacheReady(allOn);
  subjects.push({ label: 'switchboard (all on)', target: await switchboardTarget(allOn, true), pid: allOn.child.pid!, stop: () => allOn.stop(), rounds: [] });

  if (pin) {
    taskset(0, process.pid);
    taskset(0, upstreamPid);
    for (const s of subjects) if (s.pid) taskset(1, s.pid);
  }
  // Warm-up: the JIT, the connection pools, and the all-on cache to its size in the suite's rounds.
  for (const s of subjects) await closedLoop(s.target, 50, 2000);

  for (let r = 0; r < rounds; r++) {
    for (const s of subjects) {
      const pids = [process.pid, upstreamPid, ...(s.pid ? [s.pid] : [])];
      const before = new Map(pids.map((p) => [p, threadTimes(p)]));
      const res = await fixedRate(s.target, 50, rate, seconds * 1000);
      const n = res.samples.length;
      const of = (p: number) => share(p, before.get(p)!, threadTimes(p), n);
      const ms = res.samples.map((x) => x.totalMs);
      s.rounds.push({ gateway: s.pid ? of(s.pid) : undefined, upstream: of(upstreamPid), client: of(process.pid), p50: percentile(ms, 0.5), p99: percentile(ms, 0.99) });
      console.error(`round ${r + 1}/${rounds}: ${s.label} done (${n} requests, ${res.errors} errors)`);
    }
  }

  const med = (xs: number[]) => percentile(xs, 0.5);
  const f0 = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(0));
  const rows = subjects.map((s) => {
    const g = (k: keyof ProcessShare) => (s.pid ? med(s.rounds.map((r) => r.gateway![k])) : undefined);
    return [
      s.label,
      med(s.rounds.map((r) => r.p50)).toFixed(3),
      med(s.rounds.map((r) => r.p99)).toFixed(3),
      f0(g('mainCpu')),
      f0(g('mainWait')),
      s.pid ? g('mainSlices')!.toFixed(2) : '—',
      f0(g('helperCpu')),
      f0(med(s.rounds.map((r) => r.upstream.mainCpu + r.upstream.helperCpu))),
      f0(med(s.rounds.map((r) => r.upstream.mainWait))),
      f0(med(s.rounds.map((r) => r.client.mainCpu + r.client.helperCpu))),
      f0(med(s.rounds.map((r) => r.client.mainWait))),
    ];
  });
  console.log(`\n${rate} req/s over 50 connections, ${rounds} rounds of ${seconds} s per target${pin ? ', gateways pinned to CPU 1, load generator and upstream to CPU 0' : ''} (medians of rounds; µs per request)`);
  console.log(
    table(
      ['target', 'P50 ms', 'P99 ms', 'gateway main CPU', 'gateway main wait', 'switches-in', 'gateway helpers CPU', 'upstream CPU', 'upstream wait', 'client CPU', 'client wait'],
      rows,
    ),
  );
} finally {
  for (const s of subjects) await s.stop();
  await upstream.stop();
}
