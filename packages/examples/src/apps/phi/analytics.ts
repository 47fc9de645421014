import 'reflect-metadata';
import { Fn } from '@faastlane/dsl';
import { AGE_GROUPS, emptyCounts, PHI_TYPES, type AgeGroup, type AnonymizedNote, type DeidentifiedNote, type PhiReport, type TermCount } from './types.js';
import { CONDITIONS, findTerms, MEDICATIONS, type Term } from './vocabulary.js';

/**
 * Statistics over the de-identified notes: PHI removed by type, patients by age group, and the most
 * frequent conditions and medications (keyword lists). Passes both note sets on as the result.
 */
@Fn({ name: 'analytics' })
export class Analytics {
  run([anonymized, deidentified]: readonly [AnonymizedNote[], DeidentifiedNote[]]): PhiReport {
    const byType = emptyCounts();
    for (const note of deidentified) for (const type of PHI_TYPES) byType[type] += note.removed[type];
    const ageGroups = Object.fromEntries(AGE_GROUPS.map((g) => [g, 0])) as Record<AgeGroup, number>;
    for (const note of deidentified) ageGroups[ageGroupOf(note.text)]++;
    return {
      deidentified,
      anonymized,
      stats: {
        notes: deidentified.length,
        phi: { total: PHI_TYPES.reduce((sum, t) => sum + byType[t], 0), byType },
        ageGroups,
        conditions: countTerms(deidentified, CONDITIONS),
        medications: countTerms(deidentified, MEDICATIONS),
        pseudonymizedEntities: anonymized.reduce((sum, n) => sum + n.entities, 0),
      },
    };
  }
}

/** The group of the first age the note gives (`67-year-old`, `67 years old`, `67 y/o`, `67 yo`, `aged 67`; over 89 `90+`). */
export function ageGroupOf(text: string): AgeGroup {
  const m = /\b(\d{1,3}|90\+)(?:[- ]years?[- ]old\b| ?(?:y\/o|yo|y\.o\.)(?!\w))|\b(?:age|aged)\s*:?\s*(\d{1,3}\b|90\+)/i.exec(text);
  const value = m?.[1] ?? m?.[2];
  if (value === undefined) return 'unknown';
  if (value === '90+') return '90+';
  const age = Number(value);
  return age < 18 ? '0-17' : age < 45 ? '18-44' : age < 65 ? '45-64' : age < 90 ? '65-89' : '90+';
}

/** Notes and mentions of each term, most notes first (then most mentions, then by name); unmentioned terms left out. */
function countTerms(notes: readonly DeidentifiedNote[], terms: readonly Term[]): TermCount[] {
  const counts = new Map<string, { notes: number; mentions: number }>();
  for (const note of notes) {
    const found = findTerms(note.text, terms);
    for (const term of found) {
      const c = counts.get(term) ?? { notes: 0, mentions: 0 };
      c.mentions++;
      counts.set(term, c);
    }
    for (const term of new Set(found)) counts.get(term)!.notes++;
  }
  return [...counts]
    .map(([term, c]) => ({ term, ...c }))
    .sort((a, b) => b.notes - a.notes || b.mentions - a.mentions || a.term.localeCompare(b.term));
}
