/**
 * Shape features of an image tensor: what the classifier sees. The shape is segmented from its
 * background (the colour of the border), then described by numbers that do not change with its
 * position, size, rotation or colours: Hu's moment invariants, compactness, and the spectrum of its
 * outline's distance from the centroid (a triangle has three lobes, a square four, a star five).
 */
import { CHANNELS, SIDE, checkTensor, type Tensor } from './tensor.js';

export const FEATURE_NAMES = [
  'hu1', 'hu2', 'hu3', 'hu4', 'compactness', 'radialCv', 'radialMinMax', 'circleFill',
  'lobes2', 'lobes3', 'lobes4', 'lobes5', 'lobes6', 'boxFill', 'area',
] as const;

const BINS = 72;

/** The feature vector of a tensor (`FEATURE_NAMES.length` numbers). */
export function shapeFeatures(tensor: Tensor): number[] {
  checkTensor(tensor);
  const mask = segment(tensor.data);
  const n = SIDE * SIDE;
  let area = 0;
  let sx = 0;
  let sy = 0;
  let minX = SIDE;
  let minY = SIDE;
  let maxX = -1;
  let maxY = -1;
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const x = i % SIDE;
    const y = (i - x) / SIDE;
    area++;
    sx += x;
    sy += y;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (area < 16) return FEATURE_NAMES.map(() => 0); // nothing on the image
  const cx = sx / area;
  const cy = sy / area;

  // Central moments up to order 3, then Hu's first four invariants.
  let m20 = 0, m02 = 0, m11 = 0, m30 = 0, m03 = 0, m21 = 0, m12 = 0;
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const x = (i % SIDE) - cx;
    const y = Math.floor(i / SIDE) - cy;
    m20 += x * x;
    m02 += y * y;
    m11 += x * y;
    m30 += x * x * x;
    m03 += y * y * y;
    m21 += x * x * y;
    m12 += x * y * y;
  }
  const eta = (m: number, order: number): number => m / Math.pow(area, 1 + order / 2);
  const [e20, e02, e11] = [eta(m20, 2), eta(m02, 2), eta(m11, 2)];
  const [e30, e03, e21, e12] = [eta(m30, 3), eta(m03, 3), eta(m21, 3), eta(m12, 3)];
  const hu1 = e20 + e02;
  const hu2 = (e20 - e02) ** 2 + 4 * e11 ** 2;
  const hu3 = (e30 - 3 * e12) ** 2 + (3 * e21 - e03) ** 2;
  const hu4 = (e30 + e12) ** 2 + (e21 + e03) ** 2;

  // The outline: shape pixels with a 4-neighbour outside the shape. Its farthest point per angle bin.
  let perimeter = 0;
  const radius = new Float64Array(BINS);
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const x = i % SIDE;
    const y = (i - x) / SIDE;
    const edge = x === 0 || y === 0 || x === SIDE - 1 || y === SIDE - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - SIDE] || !mask[i + SIDE];
    if (!edge) continue;
    perimeter++;
    const dx = x - cx;
    const dy = y - cy;
    const bin = Math.min(BINS - 1, Math.floor(((Math.atan2(dy, dx) + Math.PI) / (2 * Math.PI)) * BINS));
    const r = Math.sqrt(dx * dx + dy * dy);
    if (r > radius[bin]!) radius[bin] = r;
  }
  fillGaps(radius);
  let mean = 0;
  let rMin = Infinity;
  let rMax = 0;
  for (const r of radius) {
    mean += r / BINS;
    rMin = Math.min(rMin, r);
    rMax = Math.max(rMax, r);
  }
  let variance = 0;
  for (const r of radius) variance += (r - mean) ** 2 / BINS;
  const lobes = [2, 3, 4, 5, 6].map((k) => {
    let re = 0;
    let im = 0;
    for (let b = 0; b < BINS; b++) {
      const a = (2 * Math.PI * k * b) / BINS;
      re += radius[b]! * Math.cos(a);
      im += radius[b]! * Math.sin(a);
    }
    return Math.hypot(re, im) / (BINS * mean);
  });

  return [
    hu1,
    logAbs(hu2),
    logAbs(hu3),
    logAbs(hu4),
    (perimeter * perimeter) / (4 * Math.PI * area),
    Math.sqrt(variance) / mean,
    rMin / rMax,
    area / (Math.PI * rMax * rMax),
    ...lobes,
    area / ((maxX - minX + 1) * (maxY - minY + 1)),
    area / n,
  ];
}

/**
 * Which pixels belong to the shape: those farther (in RGB) from the background colour, the per-channel
 * median of the border, than half the largest distance on the image.
 */
function segment(data: Float64Array): Uint8Array {
  const n = SIDE * SIDE;
  const border: number[][] = [[], [], []];
  for (let y = 0; y < SIDE; y++) {
    const inner = y > 1 && y < SIDE - 2;
    for (let x = 0; x < SIDE; x += inner && x === 1 ? SIDE - 3 : 1) {
      const i = y * SIDE + x;
      for (let c = 0; c < CHANNELS; c++) border[c]!.push(data[i * CHANNELS + c]!);
    }
  }
  const bg = border.map(median);
  // Squared distances: the same order, no square roots.
  const [r0, g0, b0] = [bg[0]!, bg[1]!, bg[2]!];
  const dist2 = new Float64Array(n);
  let max2 = 0;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const dr = data[j]! - r0;
    const dg = data[j + 1]! - g0;
    const db = data[j + 2]! - b0;
    const d2 = dr * dr + dg * dg + db * db;
    dist2[i] = d2;
    if (d2 > max2) max2 = d2;
  }
  const mask = new Uint8Array(n);
  const threshold = Math.max(0.05, Math.sqrt(max2) / 2);
  const threshold2 = threshold * threshold;
  for (let i = 0; i < n; i++) mask[i] = dist2[i]! > threshold2 ? 1 : 0;
  return mask;
}

/** Bins no outline pixel fell in take the mean of their nearest filled neighbours (the profile is circular). */
function fillGaps(radius: Float64Array): void {
  const filled = [...radius].map((r) => r > 0);
  if (!filled.some(Boolean)) return;
  const copy = Float64Array.from(radius);
  for (let b = 0; b < BINS; b++) {
    if (filled[b]) continue;
    let lo = b;
    let hi = b;
    do lo = (lo - 1 + BINS) % BINS; while (!filled[lo]);
    do hi = (hi + 1) % BINS; while (!filled[hi]);
    radius[b] = (copy[lo]! + copy[hi]!) / 2;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const logAbs = (v: number): number => Math.log10(Math.abs(v) + 1e-12);
