import 'reflect-metadata';
import { ArrayNotEmpty, IsArray, IsString, MinLength } from 'class-validator';
import { Fn } from '@faastlane/dsl';
import { findPhi } from './detect.js';
import type { ClinicalNote, IdentifiedBatch } from './types.js';

/** The workflow's input, validated before `identifyPhi` runs. */
export class PhiInput {
  @IsArray() @ArrayNotEmpty() notes!: readonly ClinicalNote[];
  /** Secret of the pseudonym mapping of `anonymize`. */
  @IsString() @MinLength(8) pseudonymKey!: string;
}

/**
 * Finds the PHI in every note: people, places, organisations and dates with the NLP library
 * compromise, and the identifiers that have a shape with patterns (see `detect.ts`).
 */
@Fn({ name: 'identifyPhi', cpu: 'bound', input: PhiInput })
export class IdentifyPhi {
  run(input: PhiInput): IdentifiedBatch {
    const notes = input.notes.map((note, i) => {
      if (typeof note?.id !== 'string' || typeof note.text !== 'string') throw new TypeError(`note ${i} needs a string id and text`);
      return { id: note.id, text: note.text, spans: findPhi(note.text) };
    });
    return { notes, pseudonymKey: input.pseudonymKey };
  }
}
