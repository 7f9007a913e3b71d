/**
 * The printed table: one row per figure, median with min-max, as a Markdown table so the same
 * text goes into docs/benchmarks.md.
 */
import type { Summary } from './stats';

export type Row = [label: string, value: Summary | number | string | null, unit: string];

function fmt(value: number, unit: string): string {
  if (unit === 'ms' && Math.abs(value) >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (unit === 'ms') return `${Math.round(value)} ms`;
  if (unit === 'B') return value >= 10_000 ? `${(value / 1024).toFixed(1)} KiB` : `${value} B`;
  if (unit === '×') return `${value.toFixed(3)}×`;
  if (unit === '%') return `${value.toFixed(1)} %`;
  return unit ? `${value} ${unit}` : String(value);
}

function cells([label, value, unit]: Row): string[] {
  if (value === null) return [label, 'n/a', '', ''];
  if (typeof value === 'string') return [label, value, '', ''];
  if (typeof value === 'number') return [label, fmt(value, unit), '', ''];
  return [label, fmt(value.median, unit), `${fmt(value.min, unit)} – ${fmt(value.max, unit)}`, String(value.n)];
}

export function markdownTable(rows: Row[]): string {
  const body = rows.map(cells);
  const head = ['measure', 'median', 'min – max', 'n'];
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
