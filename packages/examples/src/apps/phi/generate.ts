/**
 * Writes the shipped data set of the PHI application: `data/phi/notes.json` (the input) and
 * `data/phi/truth.json` (what a correct run finds). Run after a build:
 *
 *   node packages/examples/dist/apps/phi/generate.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateNotes, SHIPPED } from './synthetic.js';
import { DATA_DIR } from './data.js';

const { seed, notes, truth } = generateNotes(SHIPPED.seed, SHIPPED.count);
const dir = fileURLToPath(DATA_DIR);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('notes.json', DATA_DIR), `${JSON.stringify({ seed, notes }, null, 1)}\n`);
writeFileSync(new URL('truth.json', DATA_DIR), `${JSON.stringify({ seed, truth })}\n`);
console.log(`wrote ${notes.length} synthetic notes (seed ${seed}) to ${dir}`);
