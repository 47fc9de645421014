import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ClinicalNote } from './types.js';
import type { NoteTruth } from './synthetic.js';

/** `packages/examples/data/phi/`: this module sits at the same depth in `src/` and in `dist/`. */
export const DATA_DIR = new URL('../../../data/phi/', import.meta.url);

/** The shipped notes (synthetic: see `synthetic.ts`). */
export async function loadNotes(): Promise<ClinicalNote[]> {
  const file = JSON.parse(await readFile(new URL('notes.json', DATA_DIR), 'utf8')) as { notes: ClinicalNote[] };
  return file.notes;
}

/** What a correct run finds in the shipped notes. */
export function loadTruth(): NoteTruth[] {
  const file = JSON.parse(readFileSync(new URL('truth.json', DATA_DIR), 'utf8')) as { truth: NoteTruth[] };
  return file.truth;
}
