/**
 * The ML prediction pipeline of the Faastlane paper: resize -> predict -> render. Plain classes in a
 * compiled module, so the runtime can load them on worker threads, in child processes and in containers.
 * What crosses from one function to the next is the 1 x 224 x 224 x 3 float64 tensor (1,204,224 bytes).
 */
import 'reflect-metadata';
import { IsInstance, IsInt, IsOptional, Max, Min } from 'class-validator';
import sharp from 'sharp';
import { Fn } from '@faastlane/dsl';
import { shapeFeatures } from './features.js';
import { classify, type ClassScore } from './model.js';
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

/** Draws the top classes (a bar and a caption each) onto the image, with sharp, and encodes it as PNG. */
@Fn({ cpu: 'bound' })
export class Render {
  async run(input: Predicted): Promise<Rendered> {
    const png = await sharp(tensorToRgb(input.tensor), { raw: { width: SIDE, height: SIDE, channels: 3 } })
      .composite([{ input: Buffer.from(overlaySvg(input.top)), top: 0, left: 0 }])
      .png()
      .toBuffer();
    return { png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width: SIDE, height: SIDE, top: input.top };
  }
}

/** A translucent panel along the bottom: one row per class, a bar as long as its score and a caption. */
export function overlaySvg(top: readonly ClassScore[]): string {
  const row = 20;
  const height = top.length * row + 8;
  const y0 = SIDE - height;
  const rows = top.map((c, i) => {
    const y = y0 + 4 + i * row;
    const width = Math.max(1, Math.round(c.score * 120));
    return (
      `<rect x="96" y="${y + 4}" width="${width}" height="${row - 8}" fill="${i === 0 ? '#4ade80' : '#94a3b8'}"/>` +
      `<text x="8" y="${y + row - 6}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#ffffff">` +
      `${escapeXml(c.label)} ${Math.round(c.score * 100)}%</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}">` +
    `<rect x="0" y="${y0}" width="${SIDE}" height="${height}" fill="#000000" fill-opacity="0.6"/>${rows.join('')}</svg>`
  );
}

const escapeXml = (s: string): string =>
  s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
