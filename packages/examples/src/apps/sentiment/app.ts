/**
 * Sentiment analysis, the paper's fourth application:
 * ```
 * readReviews -> map( scoreReview ) -> writeResults -> publishSummary
 * ```
 * reads the reviews CSV that ships with the project (csv-parse), scores every review with VADER in a
 * `map`, writes the scores to SQLite (better-sqlite3) and appends a summary event to an event log.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { map, task, workflow, type Workflow } from '@faastlane/dsl';
import type { App } from '../app.js';
import { PublishSummary, ReadReviews, ScoreReview, SentimentRequest, WriteResults, readSentimentRun, type SentimentEvent } from './functions.js';
import { REVIEW_COUNT } from './reviews-data.js';

export {
  NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, RESULTS_TABLE, RUNS_TABLE, SentimentRequest, polarityOf, readSentimentRows, readSentimentRun,
  type Polarity, type SentimentEvent, type SentimentRow, type SentimentSummary,
} from './functions.js';
export { KNOWN_REVIEWS, REVIEW_COUNT, SHIPPED_REVIEWS_CSV, generateReviews, reviewsToCsv, type Review } from './reviews-data.js';

/** The sentiment workflow. */
export function sentimentWorkflow(name = 'sentiment'): Workflow<SentimentRequest, SentimentEvent> {
  return workflow(name).pipe(task(ReadReviews), map(task(ScoreReview), { name: 'reviews' }), task(WriteResults), task(PublishSummary));
}

/** What VADER makes of the shipped reviews (the check of every run compares with it). */
export const EXPECTED_POLARITY_COUNTS = { positive: 91, negative: 67, neutral: 42 } as const;

/** Where a run writes by default: a folder under the OS temp dir. */
export function defaultSentimentRequest(dir = join(tmpdir(), 'faastlane-sentiment')): SentimentRequest {
  return { dbPath: join(dir, 'reviews.sqlite'), eventsPath: join(dir, 'events.jsonl') };
}

/** The sentiment application; `request` says where it reads and writes (default: the shipped CSV, files under the OS temp dir). */
export function sentimentApp(request: SentimentRequest = defaultSentimentRequest()): App<SentimentRequest, SentimentEvent> {
  return {
    name: 'sentiment',
    description: 'reviews CSV (csv-parse) -> VADER per review in a map -> SQLite (better-sqlite3) -> summary event (JSON line)',
    workflow: sentimentWorkflow(),
    input: () => ({ ...request }),
    summarize: (out) =>
      `${out.reviews} reviews: ${out.positive} positive, ${out.negative} negative, ${out.neutral} neutral ` +
      `(mean compound ${out.meanCompound.toFixed(3)}) -> ${out.db.table} in ${out.db.path}`,
    check: (out) => {
      const problems: string[] = [];
      if (request.csvPath === undefined) {
        if (out.reviews !== REVIEW_COUNT) problems.push(`${out.reviews} reviews, expected ${REVIEW_COUNT}`);
        for (const p of ['positive', 'negative', 'neutral'] as const) {
          if (out[p] !== EXPECTED_POLARITY_COUNTS[p]) problems.push(`${out[p]} ${p}, expected ${EXPECTED_POLARITY_COUNTS[p]}`);
        }
      }
      if (out.positive + out.negative + out.neutral !== out.reviews) problems.push('the polarity counts do not add up to the reviews');
      const run = readSentimentRun(out.db.path, out.runId);
      if (!run) problems.push(`run ${out.runId} left no row in ${out.db.path}`);
      else if (run.reviews !== out.reviews || run.positive !== out.positive || run.negative !== out.negative) problems.push(`the database disagrees with the event: ${JSON.stringify(run)}`);
      if (problems.length > 0) throw new Error(`sentiment result is wrong: ${problems.join('; ')}`);
    },
  };
}

/** The application with its default request. */
export const sentiment = sentimentApp();
