/**
 * The functions of the sentiment analysis application (the paper's fourth): read a CSV of product
 * reviews (csv-parse), score each review with VADER, write the scores to SQLite (better-sqlite3),
 * publish a summary event (a JSON line appended to an event log, a file-backed queue).
 *
 * Plain classes in a compiled module: worker threads, child processes and containers import this
 * module to run them. The database and the event log are files, so a function in another process or
 * (local) container writes to the same ones.
 */
import 'reflect-metadata';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { parse } from 'csv-parse/sync';
import { Fn, type FnContext } from '@faastlane/dsl';
import { SHIPPED_REVIEWS_CSV, type Review } from './reviews-data.js';

// Both libraries are CommonJS without type declarations: loaded with `require` and typed here by what is used.
const require = createRequire(import.meta.url);

interface VaderScores {
  readonly neg: number;
  readonly neu: number;
  readonly pos: number;
  readonly compound: number;
}
let vader: { polarity_scores(text: string): VaderScores } | undefined;
const analyzer = (): { polarity_scores(text: string): VaderScores } =>
  (vader ??= (require('vader-sentiment') as { SentimentIntensityAnalyzer: { polarity_scores(text: string): VaderScores } }).SentimentIntensityAnalyzer);

interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  exec(sql: string): void;
  pragma(pragma: string): unknown;
  prepare(sql: string): Statement;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
}
type DatabaseClass = new (path: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => Database;
const openDatabase = (path: string, options?: { readonly?: boolean; fileMustExist?: boolean }): Database =>
  new (require('better-sqlite3') as DatabaseClass)(path, { timeout: 10_000, ...options });

/** VADER's usual thresholds on the compound score. */
export const POSITIVE_THRESHOLD = 0.05;
export const NEGATIVE_THRESHOLD = -0.05;
export type Polarity = 'positive' | 'negative' | 'neutral';
export const polarityOf = (compound: number): Polarity =>
  compound >= POSITIVE_THRESHOLD ? 'positive' : compound <= NEGATIVE_THRESHOLD ? 'negative' : 'neutral';

/** The table the scores go to. */
export const RESULTS_TABLE = 'review_sentiment';
/** One row per run: what the run wrote. */
export const RUNS_TABLE = 'sentiment_runs';

/** Where to read from and write to. */
export class SentimentRequest {
  /** The reviews CSV (`id,product,rating,review`); default: the one that ships with the project. */
  @IsOptional() @IsString() @IsNotEmpty() csvPath?: string;
  /** The SQLite database file (created, with its table, if missing). */
  @IsString() @IsNotEmpty() dbPath!: string;
  /** The event log: one JSON line per published event. */
  @IsString() @IsNotEmpty() eventsPath!: string;
}

/** Where a run's results go: carried with every item of the map, as Step Functions' ItemSelector would. */
export interface Sink {
  readonly source: string;
  readonly dbPath: string;
  readonly eventsPath: string;
}

export interface ReviewItem {
  readonly review: Review;
  readonly sink: Sink;
}

export interface ScoredReview extends Review, VaderScores {
  readonly polarity: Polarity;
}

export interface ScoredItem {
  readonly scored: ScoredReview;
  readonly sink: Sink;
}

/** Reads and checks the reviews CSV (csv-parse). */
@Fn({ name: 'readReviews', cpu: 'io' })
export class ReadReviews {
  @Fn()
  async run(request: SentimentRequest, ctx: FnContext): Promise<ReviewItem[]> {
    const source = request.csvPath ?? SHIPPED_REVIEWS_CSV;
    const text = await readFile(source, { encoding: 'utf8', signal: ctx.signal });
    const records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
    if (records.length === 0) throw new RangeError(`no reviews in ${source}`);
    const sink: Sink = { source, dbPath: request.dbPath, eventsPath: request.eventsPath };
    const seen = new Set<number>();
    return records.map((r, i) => {
      const review: Review = { id: Number(r.id), product: r.product ?? '', rating: Number(r.rating), text: r.review ?? '' };
      const where = `${source}, record ${i + 1}`;
      if (!Number.isInteger(review.id) || review.id < 1) throw new RangeError(`${where}: id ${JSON.stringify(r.id)} is not a positive whole number`);
      if (seen.has(review.id)) throw new RangeError(`${where}: id ${review.id} appears twice`);
      if (!Number.isInteger(review.rating) || review.rating < 1 || review.rating > 5) throw new RangeError(`${where}: rating ${JSON.stringify(r.rating)} is not 1 to 5 stars`);
      if (!review.product || !review.text) throw new RangeError(`${where}: product and review must not be empty`);
      seen.add(review.id);
      return { review, sink };
    });
  }
}

/** Scores one review with VADER. */
@Fn({ name: 'scoreReview', cpu: 'bound' })
export class ScoreReview {
  run(item: ReviewItem): ScoredItem {
    const { neg, neu, pos, compound } = analyzer().polarity_scores(item.review.text);
    return { scored: { ...item.review, neg, neu, pos, compound, polarity: polarityOf(compound) }, sink: item.sink };
  }
}

/** The summary of a run, as the database has it after the write. */
export interface SentimentSummary {
  readonly reviews: number;
  readonly positive: number;
  readonly negative: number;
  readonly neutral: number;
  readonly meanCompound: number;
  readonly mostPositive: { readonly id: number; readonly compound: number };
  readonly mostNegative: { readonly id: number; readonly compound: number };
  /** Mean compound score per product, by product name. */
  readonly byProduct: readonly { readonly product: string; readonly reviews: number; readonly meanCompound: number }[];
}

export interface WriteReport {
  readonly sink: Sink;
  readonly runId: string;
  readonly table: string;
  /** Rows inserted or updated. */
  readonly written: number;
  readonly summary: SentimentSummary;
}

/**
 * Writes the scores to SQLite in one transaction: one row per review (the latest scores of each
 * review, tagged with the run that wrote them) and one row for the run; then reads the run's
 * summary back from the table.
 */
@Fn({ name: 'writeResults', cpu: 'io' })
export class WriteResults {
  run(items: readonly ScoredItem[], ctx: FnContext): WriteReport {
    const sink = items[0]?.sink;
    if (!sink) throw new RangeError('nothing to write: no scored reviews');
    mkdirSync(dirname(sink.dbPath), { recursive: true });
    const db = openDatabase(sink.dbPath);
    try {
      db.pragma('journal_mode = WAL');
      createTables(db);
      const upsert = db.prepare(
        `INSERT INTO ${RESULTS_TABLE} (review_id, product, rating, review, neg, neu, pos, compound, polarity, run_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(review_id) DO UPDATE SET product = excluded.product, rating = excluded.rating, review = excluded.review,
           neg = excluded.neg, neu = excluded.neu, pos = excluded.pos, compound = excluded.compound,
           polarity = excluded.polarity, run_id = excluded.run_id`,
      );
      const write = db.transaction((): { written: number; summary: SentimentSummary } => {
        let written = 0;
        for (const { scored: s } of items) {
          written += upsert.run(s.id, s.product, s.rating, s.text, s.neg, s.neu, s.pos, s.compound, s.polarity, ctx.runId).changes;
        }
        const summary = summarize(db, ctx.runId);
        db.prepare(
          `INSERT OR REPLACE INTO ${RUNS_TABLE} (run_id, source, reviews, positive, negative, neutral, mean_compound) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(ctx.runId, sink.source, summary.reviews, summary.positive, summary.negative, summary.neutral, summary.meanCompound);
        return { written, summary };
      });
      const { written, summary } = write();
      return { sink, runId: ctx.runId, table: RESULTS_TABLE, written, summary };
    } finally {
      db.close();
    }
  }
}

/** The event the application publishes. */
export interface SentimentEvent extends SentimentSummary {
  readonly type: 'sentiment.summary';
  readonly workflow: string;
  readonly runId: string;
  readonly source: string;
  readonly db: { readonly path: string; readonly table: string };
}

/** Publishes the run's summary: appends it as one JSON line to the event log. */
@Fn({ name: 'publishSummary', cpu: 'io' })
export class PublishSummary {
  async run(report: WriteReport, ctx: FnContext): Promise<SentimentEvent> {
    const event: SentimentEvent = {
      type: 'sentiment.summary',
      workflow: ctx.workflow,
      runId: report.runId,
      source: report.sink.source,
      db: { path: report.sink.dbPath, table: report.table },
      ...report.summary,
    };
    await mkdir(dirname(report.sink.eventsPath), { recursive: true });
    // One write of one line with O_APPEND: concurrent runs never interleave inside a line.
    await appendFile(report.sink.eventsPath, `${JSON.stringify(event)}\n`);
    return event;
  }
}

function createTables(db: Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${RESULTS_TABLE} (
      review_id INTEGER PRIMARY KEY,
      product TEXT NOT NULL,
      rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
      review TEXT NOT NULL,
      neg REAL NOT NULL,
      neu REAL NOT NULL,
      pos REAL NOT NULL,
      compound REAL NOT NULL CHECK (compound BETWEEN -1 AND 1),
      polarity TEXT NOT NULL CHECK (polarity IN ('positive', 'negative', 'neutral')),
      run_id TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ${RESULTS_TABLE}_run ON ${RESULTS_TABLE} (run_id);
    CREATE TABLE IF NOT EXISTS ${RUNS_TABLE} (
      run_id TEXT PRIMARY KEY,
      source TEXT NOT NULL,
      reviews INTEGER NOT NULL,
      positive INTEGER NOT NULL,
      negative INTEGER NOT NULL,
      neutral INTEGER NOT NULL,
      mean_compound REAL NOT NULL
    );
  `);
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

function summarize(db: Database, runId: string): SentimentSummary {
  const counts = db.prepare(`SELECT polarity, COUNT(*) AS n FROM ${RESULTS_TABLE} WHERE run_id = ? GROUP BY polarity`).all(runId) as { polarity: Polarity; n: number }[];
  const n = (p: Polarity): number => counts.find((c) => c.polarity === p)?.n ?? 0;
  const overall = db.prepare(`SELECT COUNT(*) AS reviews, AVG(compound) AS mean FROM ${RESULTS_TABLE} WHERE run_id = ?`).get(runId) as { reviews: number; mean: number };
  const extreme = (order: 'DESC' | 'ASC'): { id: number; compound: number } =>
    db.prepare(`SELECT review_id AS id, compound FROM ${RESULTS_TABLE} WHERE run_id = ? ORDER BY compound ${order}, review_id LIMIT 1`).get(runId) as { id: number; compound: number };
  const byProduct = db
    .prepare(`SELECT product, COUNT(*) AS reviews, AVG(compound) AS mean FROM ${RESULTS_TABLE} WHERE run_id = ? GROUP BY product ORDER BY product`)
    .all(runId) as { product: string; reviews: number; mean: number }[];
  return {
    reviews: overall.reviews,
    positive: n('positive'),
    negative: n('negative'),
    neutral: n('neutral'),
    meanCompound: round4(overall.mean),
    mostPositive: extreme('DESC'),
    mostNegative: extreme('ASC'),
    byProduct: byProduct.map((p) => ({ product: p.product, reviews: p.reviews, meanCompound: round4(p.mean) })),
  };
}

/** A row of the results table. */
export interface SentimentRow {
  readonly review_id: number;
  readonly product: string;
  readonly rating: number;
  readonly review: string;
  readonly neg: number;
  readonly neu: number;
  readonly pos: number;
  readonly compound: number;
  readonly polarity: Polarity;
  readonly run_id: string;
}

/** Reads the results table (of one run, or all of it), ordered by review id: for tests and checks. */
export function readSentimentRows(dbPath: string, runId?: string): SentimentRow[] {
  const db = openDatabase(dbPath, { readonly: true, fileMustExist: true });
  try {
    return (runId === undefined
      ? db.prepare(`SELECT * FROM ${RESULTS_TABLE} ORDER BY review_id`).all()
      : db.prepare(`SELECT * FROM ${RESULTS_TABLE} WHERE run_id = ? ORDER BY review_id`).all(runId)) as SentimentRow[];
  } finally {
    db.close();
  }
}

/** The row a run left in the runs table, if any. */
export function readSentimentRun(dbPath: string, runId: string): { run_id: string; source: string; reviews: number; positive: number; negative: number; neutral: number; mean_compound: number } | undefined {
  const db = openDatabase(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT * FROM ${RUNS_TABLE} WHERE run_id = ?`).get(runId) as ReturnType<typeof readSentimentRun>;
  } finally {
    db.close();
  }
}
