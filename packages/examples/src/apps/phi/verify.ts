/**
 * What a correct run gives on notes whose truth is known (the synthetic notes): used by the app's
 * `check` (the benchmark checks every run with it) and by the tests.
 */
import { escapeRegExp, findTerms, CONDITIONS, MEDICATIONS } from './vocabulary.js';
import { ageGroupOf } from './analytics.js';
import { AGE_GROUPS, emptyCounts, type AgeGroup, type PhiReport, type PhiType, type TermCount } from './types.js';
import type { NoteTruth, Slot } from './synthetic.js';

export interface ExpectedStats {
  readonly byType: Record<PhiType, number>;
  readonly total: number;
  readonly ageGroups: Record<AgeGroup, number>;
  readonly conditions: TermCount[];
  readonly medications: TermCount[];
}

export const slotsOf = (note: NoteTruth): Slot[] => note.segments.filter((s): s is Slot => typeof s !== 'string');

/** The statistics a correct run computes, from the truth alone. */
export function expectedStats(truth: readonly NoteTruth[]): ExpectedStats {
  const byType = emptyCounts();
  const ageGroups = Object.fromEntries(AGE_GROUPS.map((g) => [g, 0])) as Record<AgeGroup, number>;
  const terms = { condition: new Map<string, { notes: number; mentions: number }>(), medication: new Map<string, { notes: number; mentions: number }>() };
  for (const note of truth) {
    const slots = slotsOf(note);
    for (const s of slots) if (s.phi) byType[s.kind as PhiType]++;
    const age = slots.find((s) => s.kind === 'age');
    ageGroups[age ? ageGroupOf(`${Number(age.text) > 89 ? '90+' : age.text} years old`) : 'unknown']++;
    for (const kind of ['condition', 'medication'] as const) {
      const mentioned = slots.filter((s) => s.kind === kind).map((s) => s.entity);
      for (const term of mentioned) {
        const c = terms[kind].get(term) ?? { notes: 0, mentions: 0 };
        c.mentions++;
        terms[kind].set(term, c);
      }
      for (const term of new Set(mentioned)) terms[kind].get(term)!.notes++;
    }
  }
  const sorted = (m: Map<string, { notes: number; mentions: number }>): TermCount[] =>
    [...m].map(([term, c]) => ({ term, ...c })).sort((a, b) => b.notes - a.notes || b.mentions - a.mentions || a.term.localeCompare(b.term));
  const total = Object.values(byType).reduce((a, b) => a + b, 0);
  return { byType, total, ageGroups, conditions: sorted(terms.condition), medications: sorted(terms.medication) };
}

/** The strings of a note that must not be left in its de-identified or anonymized text. */
export function phiStringsOf(note: NoteTruth): string[] {
  const out = new Set<string>();
  const slots = slotsOf(note);
  const over89 = slots.some((s) => s.kind === 'age' && s.phi);
  for (const s of slots) {
    if (!s.phi) continue;
    // `90+` is what an age over 89 becomes, so an age of 90 leaves `90` in the text on purpose.
    if (!(s.kind === 'age' && s.text === '90')) out.add(s.text);
    if (s.kind === 'name') for (const w of s.text.split(' ')) out.add(w);
    // A birth year tells the age too: over 89 it must go.
    if (s.kind === 'date' && s.birthDate && over89 && s.year !== null && s.year !== undefined) out.add(String(s.year));
  }
  return [...out];
}

/** Whether `text` holds `phrase` as whole words. */
export const holds = (text: string, phrase: string): boolean => new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(phrase)}(?![A-Za-z0-9])`).test(text);

/** The problems of a report against the truth of its notes: none when it is right. */
export function verifyReport(out: PhiReport, truth: readonly NoteTruth[]): string[] {
  const problems: string[] = [];
  if (out.deidentified.length !== truth.length || out.anonymized.length !== truth.length) {
    return [`expected ${truth.length} notes, got ${out.deidentified.length} de-identified and ${out.anonymized.length} anonymized`];
  }
  truth.forEach((note, i) => {
    const deid = out.deidentified[i]!;
    const anon = out.anonymized[i]!;
    if (deid.id !== note.id || anon.id !== note.id) problems.push(`note ${i}: ids ${deid.id} / ${anon.id}, expected ${note.id}`);
    for (const phi of phiStringsOf(note)) {
      if (holds(deid.text, phi)) problems.push(`${note.id}: PHI "${phi}" left in the de-identified text`);
      if (holds(anon.text, phi)) problems.push(`${note.id}: PHI "${phi}" left in the anonymized text`);
    }
  });
  const want = expectedStats(truth);
  const got = out.stats;
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (got.notes !== truth.length) problems.push(`stats.notes ${got.notes}, expected ${truth.length}`);
  if (!same(got.phi.byType, want.byType)) problems.push(`PHI by type ${JSON.stringify(got.phi.byType)}, expected ${JSON.stringify(want.byType)}`);
  if (got.phi.total !== want.total) problems.push(`PHI total ${got.phi.total}, expected ${want.total}`);
  if (!same(got.ageGroups, want.ageGroups)) problems.push(`age groups ${JSON.stringify(got.ageGroups)}, expected ${JSON.stringify(want.ageGroups)}`);
  if (!same(got.conditions, want.conditions)) problems.push(`conditions ${JSON.stringify(got.conditions)}, expected ${JSON.stringify(want.conditions)}`);
  if (!same(got.medications, want.medications)) problems.push(`medications ${JSON.stringify(got.medications)}, expected ${JSON.stringify(want.medications)}`);
  return problems;
}

/** For the tests of the keyword matcher: the terms the generator put in a note, found again in its text. */
export const termsIn = (text: string): { conditions: string[]; medications: string[] } => ({
  conditions: findTerms(text, CONDITIONS),
  medications: findTerms(text, MEDICATIONS),
});
