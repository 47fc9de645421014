/** The paper's applications, in the order the demo and the benchmark run them. */
import type { App } from './app.js';
import { finra100, finra200, finra5 } from './finra/app.js';
import { mlPrediction } from './ml-prediction/index.js';
import { mlTraining } from './ml-training/index.js';
import { phi } from './phi/app.js';
import { sentiment } from './sentiment/app.js';

export type { App } from './app.js';

/** Every application, for the demo (one run each) and the benchmark (both modes). */
// The apps differ in their input and output types; the demo and benchmark treat them alike.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const apps: readonly App<any, any>[] = [finra5, finra100, finra200, mlPrediction, phi, sentiment, mlTraining];

/** An application by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function appNamed(name: string): App<any, any> {
  const app = apps.find((a) => a.name === name);
  if (!app) throw new Error(`no application named ${name}: ${apps.map((a) => a.name).join(', ')}`);
  return app;
}
