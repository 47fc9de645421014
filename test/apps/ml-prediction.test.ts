import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Runtime } from '@faastlane/core';
import { task, workflow } from '@faastlane/dsl';
import {
  HELD_OUT_FIRST_SEED, Resize, SHAPE_CLASSES, ShapeClassifier, TENSOR_LENGTH, TENSOR_SHAPE, drawShapes, imageToTensor, mlPrediction, mlPredictionBatchWorkflow, pngSize,
  shapeClassifier, shapeFeatures, trainShapeModel, type LabelledImage, type Rendered,
} from '@faastlane/examples/apps/ml-prediction/index';
import { BAR_LEFT, BEST, ROW_HEIGHT, captionOf, drawOverlay, panelTop } from '@faastlane/examples/apps/ml-prediction/overlay';
import { glyphOf } from '@faastlane/examples/apps/ml-prediction/pixel-font';

/** Held-out images (seeds far from the training seeds), the classes in turn. */
const HELD_OUT = 40;
/** The accuracy the pipeline must reach on them (it measured 100% when written). */
const MIN_ACCURACY = 0.9;

let rt: Runtime;
let heldOut: LabelledImage[];
beforeAll(async () => {
  await mlPrediction.setup?.();
  heldOut = await drawShapes(HELD_OUT_FIRST_SEED, HELD_OUT);
  rt = await Runtime.create();
}, 60_000);
afterAll(() => rt?.close());

describe('ML prediction pipeline: resize -> predict -> render', () => {
  test('the plan keeps the three steps together', () => {
    const plan = rt.plan(mlPrediction.workflow);
    console.log(plan.explain());
    expect(plan.tasks().map((t) => t.path)).toEqual(['ml-prediction/Resize', 'ml-prediction/Predict', 'ml-prediction/Render']);
    expect(new Set(plan.tasks().map((t) => t.placement)).size).toBe(1);
  });

  test('resize hands on a 1x224x224x3 float64 tensor', async () => {
    const { image } = await mlPrediction.input();
    const { tensor, topK } = await rt.invoke(workflow('ml-resize').pipe(task(Resize)), { image });
    expect(topK).toBe(3);
    expect(tensor.shape).toEqual([...TENSOR_SHAPE]);
    expect(tensor.shape).toEqual([1, 224, 224, 3]);
    expect(tensor.data).toBeInstanceOf(Float64Array);
    expect(tensor.data.length).toBe(TENSOR_LENGTH);
    expect(tensor.data.byteLength).toBe(1_204_224);
    let min = Infinity;
    let max = -Infinity;
    for (const v of tensor.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max - min).toBeGreaterThan(0.3); // a shape on a background, not a flat image
  });

  test("the app's own input is classified right and rendered as a 224x224 PNG", async () => {
    const out = await rt.invoke(mlPrediction.workflow, await mlPrediction.input());
    mlPrediction.check(out);
    console.log(`ml-prediction: ${mlPrediction.summarize(out)}`);
    expect(pngSize(out.png)).toEqual({ width: 224, height: 224 });
    expect(out.top).toHaveLength(3);
    const total = out.top.reduce((a, c) => a + c.score, 0);
    expect(total).toBeLessThanOrEqual(1 + 1e-9);
  });

  test('Render draws each class\'s caption with the built-in pixel font and a bar as long as its score', async () => {
    const side = 224;
    const image = { data: new Uint8Array(side * side * 3).fill(200), width: side, height: side };
    drawOverlay(image, [{ label: 'circle', score: 0.5 }]);
    const at = (x: number, y: number): number[] => [...image.data.subarray((y * side + x) * 3, (y * side + x) * 3 + 3)];
    const top = panelTop(1, side);
    expect(at(3, top - 1)).toEqual([200, 200, 200]); // above the panel: untouched
    expect(at(3, top + 1)).toEqual([80, 80, 80]); // the panel: black at 60% over the image
    // The caption (`CIRCLE 50%`) starts at x = 6 with the first row of 'C': 0b01110.
    const textY = top + 3 + Math.floor((ROW_HEIGHT - 7) / 2);
    expect(glyphOf('c')[0]).toBe(0b01110);
    expect([6, 7, 8, 9, 10].map((x) => at(x, textY)[0])).toEqual([80, 255, 255, 255, 80]);
    expect(captionOf({ label: 'star', score: 0.814 })).toBe('STAR 81%');
    // The bar: half the room right of the captions, in the best class's colour.
    const barY = top + 3 + 3;
    const half = Math.round(0.5 * (side - BAR_LEFT - 6));
    expect(at(BAR_LEFT, barY)).toEqual([...BEST]);
    expect(at(BAR_LEFT + half - 1, barY)).toEqual([...BEST]);
    expect(at(BAR_LEFT + half, barY)).toEqual([80, 80, 80]);

    // And it is in the pipeline's PNG: the best class's bar, where the overlay puts it.
    const out = await rt.invoke(mlPrediction.workflow, await mlPrediction.input());
    const { data } = await imageToTensor(out.png); // 224 x 224 already: decoded as it is
    const pixel = ((panelTop(out.top.length, side) + 6) * side + BAR_LEFT) * 3;
    expect([...data.subarray(pixel, pixel + 3)].map((v) => Math.round(v * 255))).toEqual([...BEST]);
  });

  test(`held-out generated images are classified right at >= ${MIN_ACCURACY * 100}%`, async () => {
    const images = heldOut;
    const outs: Rendered[] = [];
    for (const image of images) outs.push(await rt.invoke(mlPrediction.workflow, { image: image.png, topK: 2 }));
    const confusions: string[] = [];
    outs.forEach((out, i) => {
      expect(pngSize(out.png)).toEqual({ width: 224, height: 224 });
      expect(SHAPE_CLASSES).toContain(out.top[0]?.label);
      if (out.top[0]?.label !== images[i]!.label) confusions.push(`seed ${images[i]!.seed}: ${images[i]!.label} -> ${out.top[0]?.label}`);
    });
    const accuracy = (HELD_OUT - confusions.length) / HELD_OUT;
    console.log(`ml-prediction held-out accuracy: ${(accuracy * 100).toFixed(1)}% of ${HELD_OUT}`, confusions);
    expect(accuracy).toBeGreaterThanOrEqual(MIN_ACCURACY);
  });

  test('a batch of images goes through the pipeline in a map, on worker threads', async () => {
    const batch = heldOut.slice(0, 8);
    expect(rt.plan(mlPredictionBatchWorkflow).tasks().every((t) => t.placement === 'worker-thread')).toBe(true);
    const outs = await rt.invoke(mlPredictionBatchWorkflow, batch.map((image) => ({ image: image.png, topK: 1 })));
    expect(outs.map((o) => o.top[0]?.label)).toEqual(batch.map((image) => image.label));
  });

  test('a request without image bytes is refused, and bytes that are no image fail in Resize', async () => {
    await expect(rt.invoke(mlPrediction.workflow, { image: 'cat.png' as unknown as Uint8Array })).rejects.toMatchObject({
      name: 'InputValidationError',
      stepPath: 'ml-prediction/Resize',
    });
    await expect(rt.invoke(mlPrediction.workflow, { image: new Uint8Array([1, 2, 3]) })).rejects.toMatchObject({
      name: 'StepFailedError',
      stepPath: 'ml-prediction/Resize',
    });
  });

  test('the committed model is what its training script produces', async () => {
    const committed = shapeClassifier();
    const retrained = new ShapeClassifier(await trainShapeModel());
    expect(retrained.model.trainedOn).toEqual(committed.model.trainedOn);
    console.log(`retrained model identical to the committed file: ${JSON.stringify(retrained.model) === JSON.stringify(committed.model)}`);
    // The same classes for every held-out image (robust to a platform whose rasteriser differs in the last bit).
    for (const image of heldOut) {
      const features = shapeFeatures(await imageToTensor(image.png));
      expect(retrained.classify(features)[0]?.label).toBe(committed.classify(features)[0]?.label);
    }
  }, 30_000);

  test('runs in the function-per-container baseline, the tensor crossing as JSON over HTTP', async () => {
    const baseline = await Runtime.create({ mode: 'function-per-container' });
    try {
      expect(baseline.plan(mlPrediction.workflow).tasks().map((t) => t.placement)).toEqual(['container', 'container', 'container']);
      const out = await baseline.invoke(mlPrediction.workflow, await mlPrediction.input());
      mlPrediction.check(out);
      expect(out.png).toBeInstanceOf(Uint8Array);
    } finally {
      await baseline.close();
    }
  }, 30_000);
});
