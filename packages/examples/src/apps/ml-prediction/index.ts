/**
 * The ML prediction pipeline as an application: one generated image in, its top classes drawn on it out.
 */
import { map, pipe, task, workflow } from '@faastlane/dsl';
import type { App } from '../app.js';
import { Predict, Render, Resize, type ImageRequest, type Rendered } from './functions.js';
import { ensureShapeModel } from './model.js';
import { drawShape, type ShapeClass } from './shapes.js';

export { ImageRequest, Predict, Render, Resize, type Predicted, type Rendered, type Resized } from './functions.js';
export {
  HELD_OUT_FIRST_SEED, MODEL_PATH, ShapeClassifier, TRAIN_COUNT, classify, ensureShapeModel, shapeClassifier, trainShapeModel, type ClassScore, type ShapeModel,
} from './model.js';
export { FEATURE_NAMES, shapeFeatures } from './features.js';
export { SHAPE_CLASSES, drawShape, drawShapes, type LabelledImage, type ShapeClass } from './shapes.js';
export { TENSOR_LENGTH, TENSOR_SHAPE, imageToTensor, type Tensor } from './tensor.js';

/** resize -> predict -> render: the tensor passes from step to step. */
export const mlPredictionWorkflow = workflow('ml-prediction').pipe(task(Resize), task(Predict), task(Render));

/** The same pipeline over many images, a few at a time. */
export const mlPredictionBatchWorkflow = workflow('ml-prediction-batch').pipe(
  map(pipe(task(Resize), task(Predict), task(Render)), { concurrency: 4 }),
);

/** The image the demo and the benchmark classify: held out from training, and a triangle. */
const SAMPLE = { seed: 7_000_001, label: 'triangle' as ShapeClass };

export const mlPrediction: App<ImageRequest, Rendered> = {
  name: 'ml-prediction',
  description: 'resize an image to a 224x224x3 float64 tensor (sharp), classify its shape (random forest), render the top classes onto it',
  workflow: mlPredictionWorkflow,
  async input() {
    const { png } = await drawShape(SAMPLE.seed, SAMPLE.label);
    return { image: png, topK: 3 };
  },
  summarize(out) {
    const classes = out.top.map((c) => `${c.label} ${Math.round(c.score * 100)}%`).join(', ');
    return `${classes}; rendered ${out.width}x${out.height} PNG of ${(out.png.byteLength / 1024).toFixed(1)} KiB`;
  },
  check(out) {
    const best = out.top[0];
    if (best?.label !== SAMPLE.label) throw new Error(`expected a ${SAMPLE.label}, predicted ${best?.label ?? 'nothing'}`);
    const { width, height } = pngSize(out.png);
    if (width !== 224 || height !== 224) throw new Error(`rendered image is ${width}x${height}, expected 224x224`);
  },
  async setup() {
    await ensureShapeModel();
  },
};

/** Width and height from a PNG's IHDR chunk; throws if the bytes are not a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.byteLength < 24 || signature.some((b, i) => png[i] !== b)) throw new Error('not a PNG');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
