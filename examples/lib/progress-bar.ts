/** A one-line terminal progress bar, redrawn in place with a carriage return. */

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** 83 -> '1m23s', 7 -> '7s'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * `[#####.....] 50/100 <fields> | ETA 1m02s`, redrawn at most every `minIntervalMs` (and always
 * at the last step), so printing never costs noticeable time. The ETA extrapolates the mean time
 * per step so far. When the stream is not a terminal (a log file, CI), carriage returns would pile
 * up into one huge line, so it prints a plain line every tenth of the run instead.
 * @example const bar = new ProgressBar(steps); bar.update(i + 1, `loss ${l.toFixed(3)}`); bar.done();
 */
export class ProgressBar {
  private readonly start = performance.now();
  private last = Number.NEGATIVE_INFINITY;
  private width = 0;

  constructor(
    readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly minIntervalMs = 100,
  ) {}

  /** The line for `current` steps done (exposed for tests). */
  line(current: number, fields: string, elapsedS: number): string {
    const frac = this.total > 0 ? Math.min(current / this.total, 1) : 1;
    const cells = 20;
    const filled = Math.round(frac * cells);
    const eta = current > 0 ? (elapsedS / current) * (this.total - current) : Number.NaN;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(cells - filled)}]`;
    return `${bar} ${current}/${this.total} ${fields} | ETA ${formatDuration(eta)}`;
  }

  update(current: number, fields = ''): void {
    const now = performance.now();
    if (!this.stream.isTTY) {
      const tenth = Math.max(1, Math.ceil(this.total / 10));
      if (current % tenth === 0 || current === this.total) {
        this.stream.write(`${this.line(current, fields, (now - this.start) / 1000)}\n`);
      }
      return;
    }
    if (now - this.last < this.minIntervalMs && current < this.total) return;
    this.last = now;
    const text = this.line(current, fields, (now - this.start) / 1000);
    // Pad over the previous line's leftovers; \r returns to the line's start.
    this.stream.write(`\r${text.padEnd(this.width)}`);
    this.width = text.length;
  }

  /** Ends the line. */
  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
