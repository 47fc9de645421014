import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** What a benchmark child prints before each JSON answer, so that other output on its stdout is skipped. */
export const ANSWER_PREFIX = '@bench ';

/** In a benchmark child: answers its session (one line, `ANSWER_PREFIX` and the JSON of `value`). */
export function answer(value: unknown): void {
  process.stdout.write(`${ANSWER_PREFIX}${JSON.stringify(value)}\n`);
}

/** How long after a child's exit its stdout may stay open (held by processes it started) before the session ends anyway, ms. */
const CLOSE_GRACE_MS = 1_000;

/**
 * A benchmark scenario in a Node process of its own (so that its peak memory is its own) that
 * answers requests: the parent writes one command per line on its stdin, the child answers each with
 * one line `@bench <json>` on its stdout (`answer`; its first answer comes unasked, once it is
 * ready). Two such processes take turns where a busy spell of the machine must slow both alike
 * (see turns.ts).
 */
export class ChildSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: string[] = [];
  private waiting: { resolve: (line: string) => void; reject: (error: Error) => void } | undefined;
  private ended: Error | undefined;
  private stderr = '';
  private readonly timer: NodeJS.Timeout;
  private readonly closed: Promise<void>;
  /** How the session stopped the child, if it did. */
  private stopped: string | undefined;

  /** Starts `node <script> ...args`; it is killed if it is still running after `timeoutMs`. */
  constructor(script: string, args: readonly string[], readonly label: string, timeoutMs: number) {
    const file = fileURLToPath(new URL(script, import.meta.url));
    this.child = spawn(process.execPath, [file, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    // A child that died under a write: its exit says why.
    this.child.stdin.on('error', () => undefined);
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      if (this.stderr.length < 64 * 1024) this.stderr += chunk;
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (!line.startsWith(ANSWER_PREFIX)) return;
      const answer = line.slice(ANSWER_PREFIX.length);
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting.resolve(answer);
      else this.answers.push(answer);
    });
    this.timer = setTimeout(() => {
      this.stopped = `was stopped after ${timeoutMs} ms`;
      this.child.kill('SIGKILL');
    }, timeoutMs);
    // 'close' comes once the child's stdout is closed, which processes it started may hold open for a
    // while after it died: its exit, and then 'close' or a second, ends the session.
    this.closed = new Promise((resolve) => {
      const end = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.ended) return;
        clearTimeout(this.timer);
        const how = this.stopped ?? (signal ? `was killed by ${signal}` : `exited with code ${code}`);
        this.ended = new Error(`${label} ${how}${this.stderr ? `:\n${this.stderr}` : ''}`);
        this.waiting?.reject(this.ended);
        this.waiting = undefined;
        resolve();
      };
      let grace: NodeJS.Timeout | undefined;
      this.child.once('exit', (code, signal) => (grace = setTimeout(() => end(code, signal), CLOSE_GRACE_MS)));
      this.child.once('close', (code, signal) => {
        clearTimeout(grace);
        end(code, signal);
      });
    });
  }

  /** The next answer: the one to the last command sent, or the first one (ready). */
  next<T>(): Promise<T> {
    const queued = this.answers.shift();
    if (queued !== undefined) return Promise.resolve(queued).then((line) => this.parse<T>(line));
    if (this.ended) return Promise.reject(this.ended);
    return new Promise<string>((resolve, reject) => {
      this.waiting = { resolve, reject };
    }).then((line) => this.parse<T>(line));
  }

  /** Sends `command` and waits for its answer. */
  ask<T>(command: string): Promise<T> {
    this.child.stdin.write(`${command}\n`);
    return this.next<T>();
  }

  /** Closes the child's stdin (no more commands) and resolves once it has exited with code 0, else rejects with how it ended. */
  async exited(): Promise<void> {
    this.child.stdin.end();
    await this.closed;
    if (this.child.exitCode !== 0) throw this.ended;
  }

  /** Stops the child, if it still runs (after a failure elsewhere). */
  kill(): void {
    if (this.ended) return;
    this.stopped ??= 'was stopped after a failure elsewhere';
    this.child.kill('SIGKILL');
  }

  private parse<T>(line: string): T {
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new Error(`${this.label} answered something that is not JSON: ${line.slice(0, 200)}`);
    }
  }
}

