import type { RuntimeOptions, Workflow } from '@faastlane/core';

/**
 * One of the paper's applications, as the demo and the benchmark run it: a workflow, a
 * deterministic input, and a way to summarise (and check) its result.
 */
export interface App<In, Out> {
  /** Short name, e.g. `finra-100`. */
  readonly name: string;
  /** What it does, in one line. */
  readonly description: string;
  readonly workflow: Workflow<In, Out>;
  /** The input of one run: deterministic (seeded), nothing downloaded. May be async (reads shipped files, say). */
  input(): In | Promise<In>;
  /** A one-line summary of a result, for the demo. */
  summarize(out: Out): string;
  /** Throws if a result is wrong (the benchmark checks every run with it). */
  check(out: Out): void;
  /** Prepares what the app needs once (a trained model, a database file), before the first run. */
  setup?(): Promise<void>;
  /**
   * Runtime options of the benchmark's faastlane mode for this app, where the defaults are not what a
   * deployment of it would choose (the demo runs every app on one default runtime).
   */
  readonly runtime?: Pick<RuntimeOptions, 'domainHosting'>;
}
