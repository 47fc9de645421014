import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime, StepFailedError } from '@faastlane/core';
import {
  EXPECTED_POLARITY_COUNTS, KNOWN_REVIEWS, REVIEW_COUNT, SHIPPED_REVIEWS_CSV, generateReviews, polarityOf, readSentimentRows, readSentimentRun,
  reviewsToCsv, sentimentApp, sentimentWorkflow, type SentimentEvent,
} from '@faastlane/examples/apps/sentiment/app';

let rt: Runtime;
let dir: string;
beforeAll(async () => {
  rt = await Runtime.create({ workerThreads: 2 });
  dir = mkdtempSync(join(tmpdir(), 'faastlane-sentiment-test-'));
});
afterAll(async () => {
  await rt.close();
  rmSync(dir, { recursive: true, force: true });
});

const paths = (name: string): { dbPath: string; eventsPath: string } => ({ dbPath: join(dir, `${name}.sqlite`), eventsPath: join(dir, `${name}.jsonl`) });
const readEvents = (path: string): SentimentEvent[] =>
  readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as SentimentEvent);

describe('the shipped reviews', () => {
  test('the committed CSV is what the generator writes', () => {
    expect(readFileSync(SHIPPED_REVIEWS_CSV, 'utf8')).toBe(reviewsToCsv(generateReviews()));
    expect(generateReviews()).toHaveLength(REVIEW_COUNT);
  });
});

describe('reviews -> VADER -> SQLite -> event', () => {
  test('every review lands in SQLite with its scores, known reviews get the expected polarity, and one event is published', async () => {
    const request = paths('main');
    const app = sentimentApp(request);
    const out = await rt.invoke(app.workflow, await app.input());

    expect(out).toMatchObject({ type: 'sentiment.summary', workflow: 'sentiment', reviews: 200, ...EXPECTED_POLARITY_COUNTS, source: SHIPPED_REVIEWS_CSV });
    expect(EXPECTED_POLARITY_COUNTS).toEqual({ positive: 91, negative: 67, neutral: 42 });
    expect(out.db).toEqual({ path: request.dbPath, table: 'review_sentiment' });
    expect(() => app.check(out)).not.toThrow();

    const rows = readSentimentRows(request.dbPath, out.runId);
    expect(rows.map((r) => r.review_id)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const reviews = generateReviews();
    for (const [i, row] of rows.entries()) {
      expect(row).toMatchObject({ product: reviews[i]?.product, rating: reviews[i]?.rating, review: reviews[i]?.text, run_id: out.runId });
      expect(row.polarity).toBe(polarityOf(row.compound));
      expect(row.neg + row.neu + row.pos).toBeCloseTo(1, 2);
    }
    for (const known of KNOWN_REVIEWS) expect(rows[known.id - 1]?.polarity, `review ${known.id}: ${known.why}`).toBe(known.polarity);
    expect(rows[2]?.compound).toBeGreaterThan(0.9); // "AMAZING sound!!! I love it :)"

    // The star ratings agree with VADER everywhere but the one review VADER reads as positive at 3 stars.
    const byStars = (rating: number): string => (rating >= 4 ? 'positive' : rating <= 2 ? 'negative' : 'neutral');
    expect(rows.filter((r) => byStars(r.rating) !== r.polarity).map((r) => r.review_id)).toEqual([8]);

    // The summary was read back from the table, and the event log has it as one JSON line.
    expect(out.positive + out.negative + out.neutral).toBe(200);
    expect(out.mostPositive.id).toBe(rows.reduce((best, r) => (r.compound > (rows[best - 1]?.compound ?? -2) ? r.review_id : best), 1));
    expect(out.byProduct.reduce((n, p) => n + p.reviews, 0)).toBe(200);
    expect(readEvents(request.eventsPath)).toEqual([out]);
    expect(readSentimentRun(request.dbPath, out.runId)).toMatchObject({ reviews: 200, ...EXPECTED_POLARITY_COUNTS });
  });

  test('a second run updates the rows in place and publishes a second event', async () => {
    const request = paths('twice');
    const app = sentimentApp(request);
    const first = await rt.invoke(app.workflow, await app.input());
    const second = await rt.invoke(app.workflow, await app.input());
    expect(second.runId).not.toBe(first.runId);
    const rows = readSentimentRows(request.dbPath);
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((r) => r.run_id))).toEqual(new Set([second.runId]));
    expect(readSentimentRows(request.dbPath, first.runId)).toEqual([]);
    expect(readEvents(request.eventsPath).map((e) => e.runId)).toEqual([first.runId, second.runId]);
    expect({ ...second, runId: first.runId }).toEqual(first);
  });

  test('a bad CSV fails readReviews, naming the record, and writes nothing', async () => {
    const csvPath = join(dir, 'bad.csv');
    writeFileSync(csvPath, 'id,product,rating,review\n1,lamp,4,Lovely lamp.\n2,lamp,7,"Seven stars, really."\n');
    const request = { ...paths('bad'), csvPath };
    const error = await rt.invoke(sentimentWorkflow(), request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect((error as StepFailedError).stepPath).toBe('sentiment/readReviews');
    expect(String((error as StepFailedError).cause)).toMatch(/record 2: rating "7" is not 1 to 5 stars/);
    expect(() => readFileSync(request.eventsPath)).toThrow();
  });

  test('a CSV given in the input is read instead of the shipped one', async () => {
    const csvPath = join(dir, 'two.csv');
    writeFileSync(csvPath, 'id,product,rating,review\n7,lamp,5,"I love this lamp, it is wonderful!"\n8,lamp,1,Awful. It broke.\n');
    const request = { ...paths('two'), csvPath };
    const out = await rt.invoke(sentimentWorkflow(), request);
    expect(out).toMatchObject({ reviews: 2, positive: 1, negative: 1, neutral: 0, source: csvPath, mostPositive: { id: 7 }, mostNegative: { id: 8 } });
    expect(readSentimentRows(request.dbPath).map((r) => [r.review_id, r.polarity])).toEqual([[7, 'positive'], [8, 'negative']]);
  });
});

describe('placement', () => {
  test('VADER runs on worker threads; reading, writing and publishing on the calling thread', async () => {
    const fresh = await Runtime.create({ workerThreads: 2 });
    try {
      const plan = fresh.plan(sentimentWorkflow());
      expect(Object.fromEntries(plan.tasks().map((t) => [t.name, t.placement]))).toEqual({
        readReviews: 'main-thread', scoreReview: 'worker-thread', writeResults: 'main-thread', publishSummary: 'main-thread',
      });
      expect(plan.root.steps[1]).toMatchObject({ kind: 'group', op: 'map', name: 'reviews', executor: 'worker-threads' });
    } finally {
      await fresh.close();
    }
  });

  test('it runs in the function-per-container baseline too: the containers write the same rows', async () => {
    const baseline = await Runtime.create({ mode: 'function-per-container' });
    try {
      const request = paths('baseline');
      const app = sentimentApp(request);
      expect(new Set(baseline.plan(app.workflow).tasks().map((t) => t.placement))).toEqual(new Set(['container']));
      const out = await baseline.invoke(app.workflow, await app.input());
      expect(() => app.check(out)).not.toThrow();
      const rows = readSentimentRows(request.dbPath, out.runId);
      expect(rows).toHaveLength(200);
      expect(readEvents(request.eventsPath)).toEqual([out]);
    } finally {
      await baseline.close();
    }
  });
});
