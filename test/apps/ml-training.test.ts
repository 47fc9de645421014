import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime } from '@faastlane/core';
import { MIN_BEST_ACCURACY, mlTraining, type TrainingResult } from '@faastlane/examples/apps/ml-training/index';

let rt: Runtime;
beforeAll(async () => {
  rt = await Runtime.create();
});
afterAll(() => rt?.close());

const ALGORITHMS = ['cart', 'gaussian-naive-bayes', 'knn', 'logistic-regression', 'random-forest'];

describe('ML training: iris -> PCA -> five models in parallel -> the best', () => {
  test('the five trainers form one parallel group between PCA and pickBest', () => {
    const plan = rt.plan(mlTraining.workflow);
    console.log(plan.explain());
    const paths = plan.tasks().map((t) => t.path);
    expect(paths[0]).toBe('ml-training/LoadIris');
    expect(paths[1]).toBe('ml-training/ProjectPca');
    expect(paths.at(-1)).toBe('ml-training/PickBest');
    const trainers = plan.tasks().filter((t) => /^ml-training\/parallel\[\d\]\/Train/.test(t.path));
    expect(trainers).toHaveLength(5);
    // CPU-bound branches: on worker threads, in parallel with one another.
    for (const t of trainers) expect(t.placement).toBe('worker-thread');
  });

  let result: TrainingResult;
  test(`the best model is above ${MIN_BEST_ACCURACY} held-out accuracy`, async () => {
    result = await rt.invoke(mlTraining.workflow, await mlTraining.input());
    mlTraining.check(result);
    console.log(`ml-training: ${mlTraining.summarize(result)}`);
    expect(result.best.accuracy).toBeGreaterThanOrEqual(MIN_BEST_ACCURACY);
    expect(result.best.total).toBe(45); // 30% of each class of 50
    expect(result.ranking.map((m) => m.algorithm).sort()).toEqual(ALGORITHMS);
    expect(result.ranking.every((m) => m.accuracy <= result.best.accuracy)).toBe(true);
    expect(result.projection).toMatchObject({ dataset: 'iris', components: 3 });
    const variance = result.projection.explainedVariance.reduce((a, b) => a + b, 0);
    expect(variance).toBeGreaterThan(0.95); // three components of scaled iris keep nearly all of its variance
    expect(JSON.parse(JSON.stringify(result.best.model))).toEqual(result.best.model); // the model is plain JSON
  });

  test('the same input trains the same models (seeded split, seeded forest)', async () => {
    const again = await rt.invoke(mlTraining.workflow, await mlTraining.input());
    expect(again.ranking.map(({ algorithm, accuracy }) => ({ algorithm, accuracy }))).toEqual(
      result.ranking.map(({ algorithm, accuracy }) => ({ algorithm, accuracy })),
    );
    expect(again.best.model).toEqual(result.best.model);
  });

  test.each([1, 42, 2021])(`other splits (seed %i) also give a best model above ${MIN_BEST_ACCURACY}`, async (seed) => {
    const out = await rt.invoke(mlTraining.workflow, { seed, testFraction: 0.3, components: 3 });
    mlTraining.check(out);
    console.log(`ml-training seed ${seed}: ${mlTraining.summarize(out)}`);
  });

  test('a bad request is refused before anything trains', async () => {
    await expect(rt.invoke(mlTraining.workflow, { seed: 1, testFraction: 0.9, components: 9 })).rejects.toMatchObject({
      name: 'InputValidationError',
      stepPath: 'ml-training/LoadIris',
    });
  });

  test('runs in the function-per-container baseline with the same result', async () => {
    const baseline = await Runtime.create({ mode: 'function-per-container' });
    try {
      expect(new Set(baseline.plan(mlTraining.workflow).tasks().map((t) => t.placement))).toEqual(new Set(['container']));
      const out = await baseline.invoke(mlTraining.workflow, await mlTraining.input());
      mlTraining.check(out);
      expect(out.ranking.map(({ algorithm, accuracy }) => ({ algorithm, accuracy }))).toEqual(
        result.ranking.map(({ algorithm, accuracy }) => ({ algorithm, accuracy })),
      );
    } finally {
      await baseline.close();
    }
  }, 30_000);
});
