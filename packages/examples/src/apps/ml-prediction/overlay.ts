/**
 * What `Render` draws on the image: a translucent panel along the bottom with one row per class, a
 * caption (label and score) and a bar as long as the score.
 */
import type { ClassScore } from './model.js';
import { ADVANCE, GLYPH_HEIGHT, drawText, fillRect, shadeRect, type RgbImage } from './pixel-font.js';

/** Height of one class's row, pixels. */
export const ROW_HEIGHT = 14;
/** Where the bars start (after the longest caption the panel leaves room for: 13 characters). */
export const BAR_LEFT = 8 + 13 * ADVANCE;
const WHITE = [255, 255, 255] as const;
/** The best class's bar colour; the others' is `OTHER`. */
export const BEST = [0x4a, 0xde, 0x80] as const;
const OTHER = [0x94, 0xa3, 0xb8] as const;

/** The caption of one class: its label and its score in percent, e.g. `TRIANGLE 81%`. */
export function captionOf(c: ClassScore): string {
  return `${c.label.toUpperCase()} ${Math.round(c.score * 100)}%`;
}

/** The panel's top row for `classes` rows on an image `height` pixels high. */
export function panelTop(classes: number, height: number): number {
  return height - (classes * ROW_HEIGHT + 6);
}

/** Draws the panel of `top` onto `image`, in place. */
export function drawOverlay(image: RgbImage, top: readonly ClassScore[]): void {
  const y0 = panelTop(top.length, image.height);
  shadeRect(image, 0, y0, image.width, image.height - y0, 0.4);
  const barSpace = image.width - BAR_LEFT - 6;
  top.forEach((c, i) => {
    const y = y0 + 3 + i * ROW_HEIGHT;
    const textY = y + Math.floor((ROW_HEIGHT - GLYPH_HEIGHT) / 2);
    drawText(image, captionOf(c), 6, textY, WHITE);
    fillRect(image, BAR_LEFT, y + 3, Math.max(1, Math.round(c.score * barSpace)), ROW_HEIGHT - 6, i === 0 ? BEST : OTHER);
  });
}
