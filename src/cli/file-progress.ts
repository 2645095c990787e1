// Progress over a list of files on stderr: a bar that redraws itself on a terminal, a line per file
// elsewhere (logs, CI), and the summary at the end.
import { formatSeconds } from '../progress';

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class FileProgress {
  private readonly started = performance.now();
  private done = 0;
  private maps = 0;
  private readonly skipped: { path: string; reason: string }[] = [];

  constructor(
    private readonly total: number,
    private readonly stream: Stream = process.stderr,
  ) {}

  /** One file finished: explained with `maps` maps, or skipped for `reason`. */
  update(path: string, outcome: { maps: number } | { reason: string }): void {
    this.done++;
    if ('reason' in outcome) this.skipped.push({ path, reason: outcome.reason });
    else this.maps += outcome.maps;
    const seconds = (performance.now() - this.started) / 1000;
    const rate = this.done / seconds;
    const left = formatSeconds((this.total - this.done) / rate);
    const counts = `${this.done}/${this.total}`;
    if (this.stream.isTTY) {
      const width = 24;
      const filled = Math.round((this.done / this.total) * width);
      this.stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${counts}  ${rate.toFixed(2)} images/s  ${left} left\x1b[K${this.done === this.total ? '\n' : ''}`,
      );
    } else {
      const what = 'reason' in outcome ? `skipped: ${outcome.reason}` : `${outcome.maps} map${outcome.maps === 1 ? '' : 's'}`;
      this.stream.write(`camlab: [${counts}] ${path}: ${what} (${rate.toFixed(2)} images/s, ${left} left)\n`);
    }
  }

  /** Wipes the bar, so that a line written to the same terminal (stdout) does not land after it; the next update redraws it. */
  clear(): void {
    if (this.stream.isTTY && this.done > 0 && this.done < this.total) this.stream.write('\r\x1b[K');
  }

  /** Explained and skipped counts, the time, the rate, and each skipped file with its reason. */
  summary(workers: number): string {
    const seconds = (performance.now() - this.started) / 1000;
    const explained = this.done - this.skipped.length;
    const head =
      `camlab: explained ${explained} of ${this.total} image${this.total === 1 ? '' : 's'} (${this.maps} map${this.maps === 1 ? '' : 's'}) ` +
      `in ${seconds.toFixed(1)} s, ${(this.done / seconds).toFixed(2)} images/s on ${workers} worker${workers === 1 ? '' : 's'}`;
    if (!this.skipped.length) return `${head}.`;
    return [`${head}; skipped ${this.skipped.length}:`, ...this.skipped.map((s) => `  ${s.path}: ${s.reason}`)].join('\n');
  }

  get skippedCount(): number {
    return this.skipped.length;
  }
}
