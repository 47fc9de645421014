/**
 * The two functions that see the PHI and change it. Both are `isolation: 'domain'`: each keeps the
 * sensitive data in a protection domain of its own (a protected heap under Intel MPK, or, where MPK is
 * not there, a child process of its own, as the plan says).
 */
import 'reflect-metadata';
import { Fn } from '@faastlane/dsl';
import { anonymizeNote, deidentifyNote } from './redact.js';
import type { AnonymizedNote, DeidentifiedNote, IdentifiedBatch } from './types.js';

/** Replaces PHI with consistent pseudonyms (see `anonymizeNote`). */
@Fn({ name: 'anonymize', isolation: 'domain' })
export class Anonymize {
  run(batch: IdentifiedBatch): AnonymizedNote[] {
    return batch.notes.map((note) => anonymizeNote(note, batch.pseudonymKey));
  }
}

/** Removes or generalises PHI after HIPAA Safe Harbor's rules (see `deidentifyNote`). */
@Fn({ name: 'deidentify', isolation: 'domain' })
export class Deidentify {
  run(batch: IdentifiedBatch): DeidentifiedNote[] {
    return batch.notes.map(deidentifyNote);
  }
}
