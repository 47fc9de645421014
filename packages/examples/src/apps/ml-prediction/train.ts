/**
 * Trains the shape classifier and writes packages/examples/data/ml/shape-forest.json.
 * Deterministic: the same images (fixed seeds) and the same forest (fixed seed) on every run.
 *
 *   npx tsc -b && node packages/examples/dist/apps/ml-prediction/train.js
 */
import { statSync } from 'node:fs';
import { MODEL_PATH, TRAIN_COUNT, saveShapeModel, trainShapeModel } from './model.js';

const started = performance.now();
const model = await trainShapeModel();
await saveShapeModel(model);
const ms = Math.round(performance.now() - started);
console.log(`trained on ${TRAIN_COUNT} generated images in ${ms} ms; wrote ${MODEL_PATH} (${statSync(MODEL_PATH).size} bytes)`);
