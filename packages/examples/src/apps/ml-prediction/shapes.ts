/**
 * Deterministic images of coloured shapes, drawn with sharp from SVG: the data the shape classifier is
 * trained on and the pipeline's inputs. Nothing is downloaded; one seed gives the same PNG bytes on every
 * run (for one version of sharp/libvips).
 */
import { sharp } from './sharp.js';
import { seededRandom } from '../seeded-random.js';

/** The classes the model knows, in the order of its labels. */
export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'star'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

/** A generated image and the class of the shape on it. */
export interface LabelledImage {
  readonly seed: number;
  readonly label: ShapeClass;
  /** PNG bytes. */
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
}


/** The SVG of image `seed`: its class is `label` if given, else drawn from the seed. */
export function shapeSvg(seed: number, label?: ShapeClass): { svg: string; label: ShapeClass; size: number } {
  const rand = seededRandom(seed);
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const cls = label ?? SHAPE_CLASSES[Math.floor(rand() * SHAPE_CLASSES.length)]!;
  const size = Math.round(between(160, 480));
  const [bg, fg] = contrastingColours(rand);
  // Every shape is given by the radius of the circle it fits in, so none is cut off by the border.
  const r = between(0.2, 0.38) * size;
  const cx = between(r * 1.05, size - r * 1.05);
  const cy = between(r * 1.05, size - r * 1.05);
  const turn = between(0, 360);
  let shape: string;
  switch (cls) {
    case 'circle':
      shape = `<circle cx="${f(cx)}" cy="${f(cy)}" r="${f(r * between(0.7, 1))}"/>`;
      break;
    case 'square': {
      const half = r / Math.SQRT2;
      shape = `<rect x="${f(cx - half)}" y="${f(cy - half)}" width="${f(2 * half)}" height="${f(2 * half)}" transform="rotate(${f(turn)} ${f(cx)} ${f(cy)})"/>`;
      break;
    }
    case 'triangle':
      shape = polygon(cx, cy, turn, [r, r, r]);
      break;
    case 'star':
      shape = polygon(cx, cy, turn, [r, r * between(0.38, 0.5)], 5);
      break;
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
    `<rect width="100%" height="100%" fill="${bg}"/><g fill="${fg}">${shape}</g></svg>`;
  return { svg, label: cls, size };
}

/** Renders image `seed` to PNG. */
export async function drawShape(seed: number, label?: ShapeClass): Promise<LabelledImage> {
  const { svg, label: cls, size } = shapeSvg(seed, label);
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return { seed, label: cls, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width: size, height: size };
}

/**
 * `count` images with seeds `firstSeed, firstSeed + 1, ...`, the classes in turn (so a set is balanced).
 * Training and held-out sets use disjoint seed ranges.
 */
export async function drawShapes(firstSeed: number, count: number): Promise<LabelledImage[]> {
  const out: LabelledImage[] = [];
  // A few at a time: sharp renders on its own thread pool.
  for (let i = 0; i < count; i += 8) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 8); j++) batch.push(drawShape(firstSeed + j, SHAPE_CLASSES[j % SHAPE_CLASSES.length]));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** A polygon of `corners` points around (cx, cy) whose radii repeat `radii` (a star alternates two). */
function polygon(cx: number, cy: number, turnDeg: number, radii: readonly number[], corners = radii.length): string {
  const n = corners * (radii.length === corners ? 1 : radii.length);
  const points: string[] = [];
  for (let k = 0; k < n; k++) {
    const a = ((turnDeg + (360 * k) / n) * Math.PI) / 180;
    const rr = radii[k % radii.length]!;
    points.push(`${f(cx + rr * Math.cos(a))},${f(cy + rr * Math.sin(a))}`);
  }
  return `<polygon points="${points.join(' ')}"/>`;
}

/** A background and a foreground colour far enough apart to tell apart (distance in RGB units of 0..1). */
function contrastingColours(rand: () => number): [string, string] {
  for (;;) {
    const bg = [rand(), rand(), rand()] as const;
    const fg = [rand(), rand(), rand()] as const;
    const d = Math.hypot(bg[0] - fg[0], bg[1] - fg[1], bg[2] - fg[2]);
    if (d > 0.45) return [hex(bg), hex(fg)];
  }
}

const hex = (c: readonly number[]): string => `#${c.map((v) => Math.round(v * 255).toString(16).padStart(2, '0')).join('')}`;
const f = (n: number): string => n.toFixed(2);
