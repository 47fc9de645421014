/**
 * The data of the Healthcare PHI application. Everything here is plain data (strings, numbers,
 * arrays, records) so that it crosses threads, processes and containers (structured clone or JSON).
 */

/** The kinds of protected health information the application finds (after HIPAA Safe Harbor's list). */
export const PHI_TYPES = [
  'name',
  'date',
  'phone',
  'email',
  'ssn',
  'mrn',
  'age',
  'address',
  'zip',
  'location',
  'organization',
] as const;
export type PhiType = (typeof PHI_TYPES)[number];

/** One clinical note as it comes in. */
export interface ClinicalNote {
  readonly id: string;
  readonly text: string;
}

/** The workflow's input: notes, and the key that makes the pseudonyms of `anonymize` unguessable. */
export interface PhiInput {
  readonly notes: readonly ClinicalNote[];
  /** Secret of the pseudonym mapping; the same key gives the same pseudonyms. */
  readonly pseudonymKey: string;
}

/** A span of PHI in a note's text: `text === note.text.slice(start, end)`. */
export interface PhiSpan {
  readonly type: PhiType;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /**
   * The entity the span refers to, unique within the note: mentions of one person share it
   * (`John Smith`, `Mr. Smith`, `John`), and so do mentions of one date in different formats.
   */
  readonly entity: string;
  /** What found it: the NLP library, a pattern, or another mention of the same entity. */
  readonly source: 'nlp' | 'pattern' | 'mention';
  /** For a date: whether it is a date of birth. */
  readonly birthDate?: boolean;
}

/** A note with the PHI found in it, ordered by position, never overlapping. */
export interface IdentifiedNote extends ClinicalNote {
  readonly spans: readonly PhiSpan[];
}

export interface IdentifiedBatch {
  readonly notes: readonly IdentifiedNote[];
  readonly pseudonymKey: string;
}

/** A note whose PHI was replaced by consistent pseudonyms (surrogates). */
export interface AnonymizedNote {
  readonly id: string;
  readonly text: string;
  /** How many spans were replaced. */
  readonly replaced: number;
  /** How many distinct entities (people, dates, numbers, places...) got a pseudonym. */
  readonly entities: number;
}

/** A note with its PHI removed or generalised after Safe Harbor's rules. */
export interface DeidentifiedNote {
  readonly id: string;
  readonly text: string;
  /** How many spans of each type were removed or generalised. */
  readonly removed: Readonly<Record<PhiType, number>>;
}

export interface TermCount {
  readonly term: string;
  /** Notes that mention it. */
  readonly notes: number;
  /** Mentions over all notes. */
  readonly mentions: number;
}

export const AGE_GROUPS = ['0-17', '18-44', '45-64', '65-89', '90+', 'unknown'] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];

/** Statistics over the de-identified notes. */
export interface PhiStats {
  readonly notes: number;
  /** PHI spans removed, in all and by type. */
  readonly phi: { readonly total: number; readonly byType: Readonly<Record<PhiType, number>> };
  /** Patients by age group (from the ages left in the de-identified text; over 89 reads `90+`). */
  readonly ageGroups: Readonly<Record<AgeGroup, number>>;
  /** Conditions and medications found by keyword lists, most frequent first. */
  readonly conditions: readonly TermCount[];
  readonly medications: readonly TermCount[];
  /** Entities that got a pseudonym in the anonymized notes. */
  readonly pseudonymizedEntities: number;
}

/** The workflow's output. */
export interface PhiReport {
  readonly deidentified: readonly DeidentifiedNote[];
  readonly anonymized: readonly AnonymizedNote[];
  readonly stats: PhiStats;
}

export const emptyCounts = (): Record<PhiType, number> =>
  Object.fromEntries(PHI_TYPES.map((t) => [t, 0])) as Record<PhiType, number>;
