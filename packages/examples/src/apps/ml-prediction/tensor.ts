/**
 * The image tensor the pipeline hands on: 1 x 224 x 224 x 3 (NHWC), float64 in [0, 1], as the paper's
 * resize step hands on to MobileNet (about 1.2 MB).
 */
import { sharp } from './sharp.js';

export const SIDE = 224;
export const CHANNELS = 3;
export const TENSOR_SHAPE = [1, SIDE, SIDE, CHANNELS] as const;
export const TENSOR_LENGTH = SIDE * SIDE * CHANNELS;

export interface Tensor {
  /** `[1, 224, 224, 3]`. */
  readonly shape: readonly number[];
  /** Row-major NHWC values in [0, 1]: `TENSOR_LENGTH` of them (1,204,224 bytes). */
  readonly data: Float64Array;
}

/** Decodes an image (PNG, JPEG, ...), resizes it to 224 x 224 (stretching a non-square one) and makes it a tensor. */
export async function imageToTensor(image: Uint8Array): Promise<Tensor> {
  const { data, info } = await sharp(image)
    .removeAlpha()
    .toColourspace('srgb')
    .resize(SIDE, SIDE, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== SIDE || info.height !== SIDE || info.channels !== CHANNELS) {
    throw new Error(`resized to ${info.width}x${info.height}x${info.channels}, expected ${SIDE}x${SIDE}x${CHANNELS}`);
  }
  const out = new Float64Array(TENSOR_LENGTH);
  for (let i = 0; i < TENSOR_LENGTH; i++) out[i] = data[i]! / 255;
  return { shape: [...TENSOR_SHAPE], data: out };
}

/** The tensor back as 8-bit RGB pixels (for drawing on). */
export function tensorToRgb(tensor: Tensor): Buffer {
  checkTensor(tensor);
  const out = Buffer.allocUnsafe(TENSOR_LENGTH);
  for (let i = 0; i < TENSOR_LENGTH; i++) out[i] = Math.max(0, Math.min(255, Math.round(tensor.data[i]! * 255)));
  return out;
}

/** Throws unless `tensor` is a 1x224x224x3 Float64Array tensor. */
export function checkTensor(tensor: Tensor): void {
  const shapeOk = tensor.shape.length === 4 && TENSOR_SHAPE.every((d, i) => tensor.shape[i] === d);
  if (!shapeOk || !(tensor.data instanceof Float64Array) || tensor.data.length !== TENSOR_LENGTH) {
    throw new TypeError(
      `expected a [${TENSOR_SHAPE.join(', ')}] Float64Array tensor, got [${tensor.shape.join(', ')}] ${tensor.data?.constructor?.name} of ${tensor.data?.length}`,
    );
  }
}
