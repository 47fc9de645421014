/**
 * Writes the shipped reviews CSV from the deterministic generator:
 * `node packages/examples/dist/apps/sentiment/generate-reviews.js [path]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SHIPPED_REVIEWS_CSV, generateReviews, reviewsToCsv } from './reviews-data.js';

const target = process.argv[2] ?? SHIPPED_REVIEWS_CSV;
mkdirSync(dirname(target), { recursive: true });
const reviews = generateReviews();
writeFileSync(target, reviewsToCsv(reviews));
console.log(`wrote ${reviews.length} reviews to ${target}`);
