/**
 * The shape classifier: a random forest (ml-random-forest) over `shapeFeatures`, trained on images the
 * project draws itself (`shapes.ts`). Training is deterministic: fixed image seeds, fixed forest seed.
 *
 * The trained model is a JSON file, `packages/examples/data/ml/shape-forest.json`, written by
 * `node packages/examples/dist/apps/ml-prediction/train.js` (or by the app's `setup()` when missing), and
 * read once per process, thread or container by the `Predict` function.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RandomForestClassifier } from 'ml-random-forest';
import { FEATURE_NAMES, shapeFeatures } from './features.js';
import { SHAPE_CLASSES, drawShapes, type ShapeClass } from './shapes.js';
import { imageToTensor } from './tensor.js';

/** Bumped whenever the features, the images or the training change: an older file is retrained. */
export const MODEL_VERSION = 1;

/** Training set: seeds 1 .. TRAIN_COUNT. Held-out sets must use other seeds (the tests use 1,000,000 and up). */
export const TRAIN_FIRST_SEED = 1;
export const TRAIN_COUNT = 400;
export const HELD_OUT_FIRST_SEED = 1_000_000;

export const MODEL_PATH = fileURLToPath(new URL('../../../data/ml/shape-forest.json', import.meta.url));

export interface ShapeModel {
  readonly version: number;
  readonly classes: readonly ShapeClass[];
  readonly features: readonly string[];
  readonly trainedOn: { readonly firstSeed: number; readonly count: number };
  /** ml-random-forest's `toJSON()`. */
  readonly forest: ReturnType<RandomForestClassifier['toJSON']>;
}

export interface ClassScore {
  readonly label: ShapeClass;
  /** Share of the forest's trees that vote for it. */
  readonly score: number;
}

const FOREST_OPTIONS = {
  nEstimators: 40,
  maxFeatures: 0.6,
  replacement: false,
  useSampleBagging: true,
  noOOB: true,
  seed: 20210714,
  treeOptions: { maxDepth: 10, minNumSamples: 2 },
};

/** Draws the training images, extracts their features and fits the forest. */
export async function trainShapeModel(firstSeed = TRAIN_FIRST_SEED, count = TRAIN_COUNT): Promise<ShapeModel> {
  const images = await drawShapes(firstSeed, count);
  const X: number[][] = [];
  const y: number[] = [];
  // A few images at a time: sharp decodes and resizes them on its own threads.
  for (let i = 0; i < images.length; i += 8) {
    const batch = images.slice(i, i + 8);
    const tensors = await Promise.all(batch.map((image) => imageToTensor(image.png)));
    tensors.forEach((tensor, j) => {
      X.push(shapeFeatures(tensor));
      y.push(SHAPE_CLASSES.indexOf(batch[j]!.label));
    });
  }
  const forest = new RandomForestClassifier(FOREST_OPTIONS);
  forest.train(X, y);
  return {
    version: MODEL_VERSION,
    classes: [...SHAPE_CLASSES],
    features: [...FEATURE_NAMES],
    trainedOn: { firstSeed, count },
    forest: forest.toJSON(),
  };
}

/** Writes the model file (atomically: a reader never sees half a file). */
export async function saveShapeModel(model: ShapeModel, path = MODEL_PATH): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(model)}\n`);
  await rename(tmp, path);
}

/** True when the model file exists and is of this version. */
export async function hasCurrentModel(path = MODEL_PATH): Promise<boolean> {
  try {
    const model = JSON.parse(await readFile(path, 'utf8')) as Partial<ShapeModel>;
    return model.version === MODEL_VERSION;
  } catch {
    return false;
  }
}

/** Trains and saves the model unless a current one is there. Returns true if it trained. */
export async function ensureShapeModel(path = MODEL_PATH): Promise<boolean> {
  if (await hasCurrentModel(path)) return false;
  await saveShapeModel(await trainShapeModel(), path);
  loaded = undefined;
  return true;
}

/** A trained model, ready to classify. */
export class ShapeClassifier {
  private readonly forest: RandomForestClassifier;

  constructor(readonly model: ShapeModel) {
    if (model.version !== MODEL_VERSION) throw new Error(`shape model is version ${model.version}, expected ${MODEL_VERSION}: retrain it`);
    this.forest = RandomForestClassifier.load(model.forest);
  }

  /** Scores of every class for one feature vector, best first. */
  classify(features: readonly number[]): ClassScore[] {
    const votes = this.forest.predictionValues([[...features]]).getRow(0) as number[];
    const counts = new Array<number>(this.model.classes.length).fill(0);
    for (const v of votes) counts[v] = (counts[v] ?? 0) + 1;
    return counts
      .map((c, i) => ({ label: this.model.classes[i]!, score: c / votes.length }))
      .sort((a, b) => b.score - a.score || SHAPE_CLASSES.indexOf(a.label) - SHAPE_CLASSES.indexOf(b.label));
  }
}

let loaded: ShapeClassifier | undefined;

/** The classifier from the model file, read once per process, thread or container. */
export function shapeClassifier(): ShapeClassifier {
  if (loaded) return loaded;
  if (!existsSync(MODEL_PATH)) {
    throw new Error(`no shape model at ${MODEL_PATH}: run the app's setup(), or node packages/examples/dist/apps/ml-prediction/train.js`);
  }
  loaded = new ShapeClassifier(JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as ShapeModel);
  return loaded;
}

/** Scores of every class for one feature vector, best first, by the model file's classifier. */
export function classify(features: readonly number[]): ClassScore[] {
  return shapeClassifier().classify(features);
}
