/** A one-line progress bar on stderr: `label [#####.....] 50% detail ETA 1m05s`. */
export class ProgressBar {
  private readonly start = Date.now();
  private last = 0;

  constructor(
    private readonly total: number,
    private readonly label = '',
  ) {}

  update(done: number, detail = ''): void {
    const now = Date.now();
    if (done < this.total && now - this.last < 200) return;
    this.last = now;
    const share = this.total ? done / this.total : 1;
    const width = 24;
    const filled = Math.round(share * width);
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}% ${detail} ETA ${formatSeconds(eta)}`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : done === this.total || done % 25 === 0 ? `${line}\n` : '');
    if (done === this.total && process.stderr.isTTY) process.stderr.write('\n');
  }
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
