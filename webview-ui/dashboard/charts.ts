/**
 * The dashboard's time-series charts on uPlot (small, canvas-based). Colours come from the theme's chart
 * variables, and the charts are rebuilt when the theme changes, so light, dark and high-contrast all read well.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Summary } from '../../extension/src/dashboard/protocol.js';

type Point = Summary['series'][number];

interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  series: Array<{ label: string; color: string; value: (p: Point) => number | null; bars?: boolean }>;
}

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function specs(): ChartSpec[] {
  const blue = themeColor('--vscode-charts-blue', '#3794ff');
  const red = themeColor('--vscode-charts-red', '#f14c4c');
  const green = themeColor('--vscode-charts-green', '#89d185');
  const yellow = themeColor('--vscode-charts-yellow', '#cca700');
  const orange = themeColor('--vscode-charts-orange', '#d18616');
  const purple = themeColor('--vscode-charts-purple', '#b180d7');
  const rate = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 1000) / 10 : null);
  return [
    { id: 'requests', title: 'Requests and errors', unit: '', series: [
      { label: 'requests', color: blue, value: (p) => p.requests },
      { label: 'errors', color: red, value: (p) => p.errors },
    ] },
    { id: 'latency', title: 'Latency and time to first token', unit: 'ms', series: [
      { label: 'P50', color: green, value: (p) => p.p50Ms },
      { label: 'P95', color: yellow, value: (p) => p.p95Ms },
      { label: 'P99', color: red, value: (p) => p.p99Ms },
      { label: 'TTFT P50', color: purple, value: (p) => p.ttftP50Ms },
    ] },
    { id: 'tokens', title: 'Tokens', unit: '', series: [
      { label: 'input', color: blue, value: (p) => p.inputTokens },
      { label: 'output', color: orange, value: (p) => p.outputTokens },
    ] },
    { id: 'quality', title: 'Cache hit rate, error rate and satisfaction', unit: '%', series: [
      { label: 'cache hits', color: green, value: (p) => rate(p.cacheHits, p.requests) },
      { label: 'errors', color: red, value: (p) => rate(p.errors, p.requests) },
      { label: 'satisfaction', color: purple, value: (p) => (p.satisfaction === null ? null : Math.round(p.satisfaction * 1000) / 10) },
    ] },
    { id: 'cost', title: 'Cost', unit: 'USD', series: [{ label: 'cost', color: yellow, value: (p) => p.cost }] },
  ];
}

export class Charts {
  private plots: uPlot[] = [];
  private last: Summary | undefined;

  constructor(private readonly host: HTMLElement) {
    // VS Code swaps the body's theme class; the canvas colours must follow.
    new MutationObserver(() => this.rebuild()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    new ResizeObserver(() => this.resize()).observe(host);
  }

  update(summary: Summary): void {
    const rebuild = this.plots.length === 0;
    this.last = summary;
    if (rebuild) return this.rebuild();
    const specsNow = specs();
    this.plots.forEach((plot, i) => plot.setData(dataFor(specsNow[i] as ChartSpec, summary)));
  }

  private width(): number {
    return Math.max(260, Math.floor((this.host.clientWidth - 16) / (this.host.clientWidth > 900 ? 2 : 1)) - 8);
  }

  private resize(): void {
    for (const p of this.plots) p.setSize({ width: this.width(), height: 180 });
  }

  private rebuild(): void {
    for (const p of this.plots) p.destroy();
    this.plots = [];
    this.host.replaceChildren();
    if (!this.last) return;
    const fg = themeColor('--vscode-foreground', '#ccc');
    const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    for (const spec of specs()) {
      const box = document.createElement('figure');
      box.className = 'chart';
      box.dataset.chart = spec.id;
      box.setAttribute('aria-label', spec.title);
      this.host.append(box);
      const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      const opts: uPlot.Options = {
        title: spec.title + (spec.unit ? ` (${spec.unit})` : ''),
        width: this.width(),
        height: 180,
        scales: { x: { time: true } },
        axes: [axis, { ...axis, size: 56 }],
        legend: { show: true },
        series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false, points: { show: true, size: 4 } }))],
      };
      this.plots.push(new uPlot(opts, dataFor(spec, this.last), box));
    }
  }
}

function dataFor(spec: ChartSpec, summary: Summary): uPlot.AlignedData {
  const xs = summary.series.map((p) => p.t / 1000);
  return [xs, ...spec.series.map((s) => summary.series.map((p) => (p.requests === 0 && s.label !== 'requests' ? null : s.value(p))))] as uPlot.AlignedData;
}
