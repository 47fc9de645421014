/**
 * The ML prediction pipeline of the Faastlane paper: resize -> predict -> render. Plain classes in a
 * compiled module, so the runtime can load them on worker threads, in child processes and in containers.
 * What crosses from one function to the next is the 1 x 224 x 224 x 3 float64 tensor (1,204,224 bytes).
 */
import 'reflect-metadata';
import { IsInstance, IsInt, IsOptional, Max, Min } from 'class-validator';
import { sharp } from './sharp.js';
import { Fn } from '@faastlane/dsl';
import { shapeFeatures } from './features.js';
import { classify, type ClassScore } from './model.js';
import { drawOverlay } from './overlay.js';
import { SIDE, imageToTensor, tensorToRgb, type Tensor } from './tensor.js';

/** The pipeline's input: an encoded image (PNG, JPEG, WebP, ...). */
export class ImageRequest {
  @IsInstance(Uint8Array) image!: Uint8Array;
  /** How many classes to report and draw (default 3). */
  @IsOptional() @IsInt() @Min(1) @Max(4) topK?: number;
}

/** What `Resize` hands on: the tensor (and how many classes the caller wants). */
export interface Resized {
  readonly tensor: Tensor;
  readonly topK: number;
}

/** What `Predict` hands on: the same tensor, by reference where the plan allows, and the top classes. */
export interface Predicted {
  readonly tensor: Tensor;
  readonly top: readonly ClassScore[];
}

/** The pipeline's output: the image with its top classes drawn on it. */
export interface Rendered {
  /** PNG bytes, 224 x 224. */
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly top: readonly ClassScore[];
}

/** Decodes the image, resizes it to 224 x 224 with sharp and makes it a float64 tensor. */
@Fn({ cpu: 'bound', input: ImageRequest })
export class Resize {
  async run(input: ImageRequest): Promise<Resized> {
    return { tensor: await imageToTensor(input.image), topK: input.topK ?? 3 };
  }
}

/** Classifies the tensor with the trained random forest. */
@Fn({ cpu: 'bound' })
export class Predict {
  run(input: Resized): Predicted {
    const scores = classify(shapeFeatures(input.tensor));
    return { tensor: input.tensor, top: scores.slice(0, input.topK) };
  }
}

/** Draws the top classes (a caption and a bar each) onto the image and encodes it as PNG with sharp. */
@Fn({ cpu: 'bound' })
export class Render {
  async run(input: Predicted): Promise<Rendered> {
    const rgb = tensorToRgb(input.tensor);
    drawOverlay({ data: rgb, width: SIDE, height: SIDE }, input.top);
    const png = await sharp(rgb, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer();
    return { png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width: SIDE, height: SIDE, top: input.top };
  }
}
