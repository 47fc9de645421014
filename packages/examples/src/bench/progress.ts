/**
 * A progress bar on stderr for long benchmark runs: `[#######.....] 7/12 done; fan-out baseline x100`.
 * Drawn in place on a terminal, one line per step elsewhere (CI logs).
 */
export class Progress {
  /** Steps started; all but the current one are done. */
  private started = 0;

  constructor(private readonly total: number) {}

  /** A step starts: the ones before it are done. */
  step(label: string): void {
    if (this.started >= this.total) throw new Error(`progress: step ${this.started + 1} of ${this.total} (${label}): the total is wrong`);
    this.draw(this.started, label);
    this.started++;
  }

  /** All done. */
  finish(): void {
    this.draw(this.started, 'done');
    if (process.stderr.isTTY) process.stderr.write('\n');
  }

  private draw(done: number, label: string): void {
    const width = 24;
    const filled = Math.round((done / this.total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} done; ${label}`;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
    else process.stderr.write(`${line}\n`);
  }
}
