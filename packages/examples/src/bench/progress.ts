/**
 * A progress bar on stderr for long benchmark runs: `[#######.....] 7/12 fan-out baseline x100`.
 * Drawn in place on a terminal, one line per step elsewhere (CI logs).
 */
export class Progress {
  private done = 0;

  constructor(private readonly total: number) {}

  step(label: string): void {
    this.done = Math.min(this.total, this.done + 1);
    const width = 24;
    const filled = Math.round((this.done / this.total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${label}`;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}${this.done === this.total ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  }
}
