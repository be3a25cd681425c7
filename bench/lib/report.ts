import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/** One figure of a scenario, with the anchor it is measured against in the same run. */
export interface Measurement {
  readonly scenario: string;
  readonly case: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly anchor?: { readonly name: string; readonly value: number };
  /** value / anchor.value, when an anchor is given. */
  readonly ratio?: number;
  readonly goal?: string;
  readonly note?: string;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

/** A text table for the screen and for Markdown. */
export function table(rows: readonly Measurement[]): string {
  const header = ['scenario', 'case', 'metric', 'value', 'anchor', 'ratio', 'goal'];
  const body = rows.map((r) => [
    r.scenario,
    r.case,
    r.metric,
    `${fmt(r.value)} ${r.unit}`,
    r.anchor ? `${r.anchor.name}: ${fmt(r.anchor.value)}` : '',
    r.ratio !== undefined ? (r.ratio >= 0.01 ? r.ratio.toFixed(2) : r.ratio.toPrecision(2)) : '',
    r.goal ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Writes `bench/results/<stamp>.json` and `.md` (and `latest.*`), with the machine they ran on. */
export function writeResults(rows: readonly Measurement[], startedAt: Date): string {
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' };
  const json = JSON.stringify({ startedAt: startedAt.toISOString(), machine, measurements: rows }, null, 2);
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.scenario} / ${r.case} / ${r.metric}: ${r.note}`);
  const md = [`# Benchmark ${startedAt.toISOString()}`, '', `Node ${machine.node}, ${machine.cpus} cores (${machine.cpu}).`, '', table(rows), '', ...notes, ''].join('\n');
  for (const name of [stamp, 'latest']) {
    writeFileSync(join(dir, `${name}.json`), json);
    writeFileSync(join(dir, `${name}.md`), md);
  }
  return join(dir, `${stamp}.md`);
}

/**
 * The screen while the bench runs: on a terminal, one table of the figures measured so far with a
 * progress bar under it, redrawn in place; elsewhere (CI, a pipe), plain lines and the table at the end.
 * Scenarios write their remarks through {@link log} so that the table stays one table.
 */
class Screen {
  readonly #tty = process.stderr.isTTY === true;
  #rows: readonly Measurement[] = [];
  #bar = '';
  /** Lines drawn below the last remark, erased before the next draw. */
  #drawn = 0;

  rows(rows: readonly Measurement[]): void {
    this.#rows = [...rows];
    this.#draw();
  }

  log(text: string): void {
    if (!this.#tty) {
      process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
      return;
    }
    this.#erase();
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    this.#drawn = 0;
    this.#draw();
  }

  progress(label: string, done: number, total: number): void {
    if (!this.#tty) {
      if (done >= total) process.stderr.write(`${label}: done\n`);
      return;
    }
    const width = 30;
    const filled = Math.round((Math.min(done, total) / Math.max(total, 1)) * width);
    this.#bar = `${label.padEnd(44)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.min(done, total)}/${total}`;
    this.#draw();
  }

  #erase(): void {
    if (this.#drawn > 0) process.stderr.write(`\x1b[${this.#drawn}F\x1b[J`);
    this.#drawn = 0;
  }

  #draw(): void {
    if (!this.#tty) return;
    this.#erase();
    const lines = [...(this.#rows.length > 0 ? ['', ...table(this.#rows).split('\n')] : []), this.#bar];
    process.stderr.write(`${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }
}

export const screen = new Screen();

/** A remark of a scenario, above the table. */
export function log(text: string): void {
  screen.log(text);
}

/** The progress bar under the table (on a terminal; elsewhere one line when a step is done). */
export function progress(label: string, done: number, total: number): void {
  screen.progress(label, done, total);
}
