import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { ANSWER_PREFIX, ChildSession } from '@faastlane/examples/bench/child-session';
import { inTurns } from '@faastlane/examples/bench/turns';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A child script (as a file URL) that answers like the benchmark's children do, with `body` as its command handler. */
function script(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'child-session-'));
  dirs.push(dir);
  const file = join(dir, 'child.mjs');
  writeFileSync(
    file,
    `import { createInterface } from 'node:readline';
const answer = (v) => process.stdout.write(${JSON.stringify(ANSWER_PREFIX)} + JSON.stringify(v) + '\\n');
console.log('other output is skipped');
answer({ ready: true });
for await (const line of createInterface({ input: process.stdin })) { ${body} }
`,
  );
  return pathToFileURL(file).href;
}

/** A child script (as a file URL) with `code` as all of its body. */
function rawScript(code: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'child-session-'));
  dirs.push(dir);
  const file = join(dir, 'child.mjs');
  writeFileSync(file, code);
  return pathToFileURL(file).href;
}

describe('ChildSession: a child that ends', () => {
  test('a child that exits without answering rejects the wait for its answer with how it ended and what it printed', async () => {
    const session = new ChildSession(rawScript("console.error('no result'); process.exit(2);"), [], 'silent child', 10_000);
    await expect(session.next()).rejects.toThrow(/silent child exited with code 2:\n.*no result/s);
  });
});

describe('ChildSession (a benchmark child that takes turns)', () => {
  test('answers its ready line, then one answer per command, and exits when its stdin closes', async () => {
    const session = new ChildSession(script('answer({ echo: line });'), [], 'echo', 10_000);
    expect(await session.next()).toEqual({ ready: true });
    expect(await session.ask('time 5')).toEqual({ echo: 'time 5' });
    expect(await session.ask('end')).toEqual({ echo: 'end' });
    await session.exited();
  });

  test('a child that dies under a command rejects it with how it ended and what it printed', async () => {
    const session = new ChildSession(script("console.error('boom: ' + line); process.exit(3);"), [], 'dying child', 10_000);
    await session.next();
    await expect(session.ask('time 1')).rejects.toThrow(/dying child exited with code 3:\n.*boom: time 1/s);
  });

  test('a child that hangs is stopped after its time limit, and the command rejects', async () => {
    const session = new ChildSession(script('await new Promise(() => setInterval(() => {}, 1000));'), [], 'stuck child', 3_000);
    await session.next();
    await expect(session.ask('time 1')).rejects.toThrow(/stuck child was stopped after 3000 ms/);
  });
});

describe('inTurns', () => {
  test('takes turns of at most the given size, at least two, swapping who goes first', async () => {
    const asked: string[] = [];
    const fake = (name: string): ChildSession => ({ ask: async (command: string) => void asked.push(`${name} ${command}`) }) as unknown as ChildSession;
    await inTurns([fake('a'), fake('b')], 'time', 5, 5);
    expect(asked).toEqual(['a time 3', 'b time 3', 'b time 2', 'a time 2']);
    asked.length = 0;
    await inTurns([fake('a'), fake('b')], 'gaps', 12, 5);
    expect(asked).toEqual(['a gaps 5', 'b gaps 5', 'b gaps 5', 'a gaps 5', 'a gaps 2', 'b gaps 2']);
  });
});
