/**
 * The ML training application: iris -> split -> PCA -> five classifiers trained in parallel -> the best
 * by held-out accuracy.
 */
import { parallel, task, workflow } from '@faastlane/dsl';
import type { App } from '../app.js';
import {
  LoadIris, PickBest, ProjectPca, TrainCart, TrainKnn, TrainLogisticRegression, TrainNaiveBayes, TrainRandomForest,
  type TrainingRequest, type TrainingResult,
} from './functions.js';

export * from './functions.js';

export const mlTrainingWorkflow = workflow('ml-training').pipe(
  task(LoadIris),
  task(ProjectPca),
  parallel(task(TrainRandomForest), task(TrainKnn), task(TrainNaiveBayes), task(TrainLogisticRegression), task(TrainCart)),
  task(PickBest),
);

/** The accuracy the best model must reach on the held-out rows for a run to count as right. */
export const MIN_BEST_ACCURACY = 0.9;

export const mlTraining: App<TrainingRequest, TrainingResult> = {
  name: 'ml-training',
  description: 'PCA (ml-pca) on iris, then random forest, KNN, naive Bayes, logistic regression and CART trained in parallel; the best by held-out accuracy',
  workflow: mlTrainingWorkflow,
  input: () => ({ seed: 7, testFraction: 0.3, components: 3 }),
  summarize(out) {
    const variance = out.projection.explainedVariance.reduce((a, b) => a + b, 0);
    const ranking = out.ranking.map((m) => `${m.algorithm} ${(m.accuracy * 100).toFixed(1)}%`).join(', ');
    return `${out.projection.dataset}, PCA ${out.projection.components} components (${(variance * 100).toFixed(1)}% of variance); best ${out.best.algorithm} (${out.best.correct}/${out.best.total}); ${ranking}`;
  },
  check(out) {
    if (out.ranking.length !== 5) throw new Error(`expected 5 trained models, got ${out.ranking.length}`);
    if (!(out.best.accuracy >= MIN_BEST_ACCURACY)) {
      throw new Error(`best model ${out.best.algorithm} reached ${out.best.accuracy}, expected >= ${MIN_BEST_ACCURACY}`);
    }
    if (out.ranking.some((m) => m.accuracy > out.best.accuracy)) throw new Error('the best model is not the most accurate');
  },
};
