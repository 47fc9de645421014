/**
 * Keyword lists of the analytics step: each term with the ways notes write it. The matcher is
 * case-insensitive, whole-word, and prefers the longest form (`congestive heart failure` is one
 * mention, not two).
 */
export interface Term {
  readonly term: string;
  readonly forms: readonly string[];
}

export const CONDITIONS: readonly Term[] = [
  { term: 'hypertension', forms: ['hypertension', 'high blood pressure'] },
  { term: 'type 2 diabetes', forms: ['type 2 diabetes', 'diabetes mellitus type 2', 'T2DM'] },
  { term: 'asthma', forms: ['asthma'] },
  { term: 'COPD', forms: ['COPD', 'chronic obstructive pulmonary disease'] },
  { term: 'atrial fibrillation', forms: ['atrial fibrillation', 'AFib'] },
  { term: 'heart failure', forms: ['congestive heart failure', 'heart failure', 'CHF'] },
  { term: 'pneumonia', forms: ['pneumonia'] },
  { term: 'chronic kidney disease', forms: ['chronic kidney disease', 'CKD'] },
  { term: 'hyperlipidemia', forms: ['hyperlipidemia', 'high cholesterol'] },
  { term: 'depression', forms: ['major depressive disorder', 'depression'] },
  { term: 'osteoarthritis', forms: ['osteoarthritis'] },
  { term: 'hypothyroidism', forms: ['hypothyroidism'] },
];

export const MEDICATIONS: readonly Term[] = [
  { term: 'metformin', forms: ['metformin'] },
  { term: 'lisinopril', forms: ['lisinopril'] },
  { term: 'atorvastatin', forms: ['atorvastatin'] },
  { term: 'albuterol', forms: ['albuterol'] },
  { term: 'apixaban', forms: ['apixaban'] },
  { term: 'furosemide', forms: ['furosemide'] },
  { term: 'amlodipine', forms: ['amlodipine'] },
  { term: 'levothyroxine', forms: ['levothyroxine'] },
  { term: 'sertraline', forms: ['sertraline'] },
  { term: 'insulin glargine', forms: ['insulin glargine'] },
  { term: 'metoprolol', forms: ['metoprolol'] },
  { term: 'prednisone', forms: ['prednisone'] },
  { term: 'tiotropium', forms: ['tiotropium'] },
];

/** Every mention of the terms in `text`, longest form first, as term names (one per mention). */
export function findTerms(text: string, terms: readonly Term[]): string[] {
  const forms = terms
    .flatMap((t) => t.forms.map((form) => ({ term: t.term, form })))
    .sort((a, b) => b.form.length - a.form.length);
  const taken: Array<readonly [number, number]> = [];
  const found: Array<{ at: number; term: string }> = [];
  for (const { term, form } of forms) {
    const re = new RegExp(`(?<![\\w-])${escapeRegExp(form)}(?![\\w-])`, 'gi');
    for (const m of text.matchAll(re)) {
      const start = m.index;
      const end = start + m[0].length;
      if (taken.some(([s, e]) => start < e && s < end)) continue;
      taken.push([start, end]);
      found.push({ at: start, term });
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.term);
}

export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
