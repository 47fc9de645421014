/**
 * Finds protected health information in a clinical note: the NLP library compromise (people, places,
 * organisations, dates) together with patterns for what has a shape (phone numbers, e-mail addresses,
 * SSNs, medical record numbers, dates, ages over 89, street addresses, zip codes, `City, State`, names
 * after a title or a label, names of hospitals and clinics).
 *
 * The sources are ranked: patterns first, then other mentions of what the patterns found, then the NLP
 * library, then other mentions of the people found so far (`Smith` alone, once `John Smith` is known).
 * A span that overlaps one of a higher rank is dropped, so spans never overlap.
 */
import nlp from 'compromise';
import { DATE_PATTERN, dateKey, parseDate } from './dates.js';
import type { PhiSpan, PhiType } from './types.js';
import { CONDITIONS, escapeRegExp, findTerms, MEDICATIONS } from './vocabulary.js';

interface Candidate {
  readonly type: PhiType;
  readonly start: number;
  readonly end: number;
  readonly source: PhiSpan['source'];
  readonly rank: number;
  readonly birthDate?: boolean;
}

/** Titles before a name; not part of it (`Dr.` is not PHI). */
const TITLES = ['Dr', 'Mr', 'Mrs', 'Ms', 'Miss', 'Mx', 'Prof', 'Sr', 'Rev'];
const TITLE = `(?:${TITLES.join('|')})\\.?`;
/** One word of a name: `Smith`, `O'Brien`, `McDonald`, `Smith-Jones`. */
const NAME_WORD = String.raw`(?:[A-Z]'[A-Z][a-z]+|Ma?c[A-Z][a-z]+|[A-Z][a-z]+)(?:-[A-Z][a-z]+)?`;
const NAME = `${NAME_WORD}(?: [A-Z]\\.)?(?: ${NAME_WORD}){0,2}`;
/** Labels a name follows in a form. */
const NAME_LABELS = ['Patient', 'Patient name', 'Name', 'Attending', 'Attending physician', 'Referring physician', 'PCP', 'Emergency contact', 'Next of kin', 'Signed'];

const RELATIVES = ['wife', 'husband', 'spouse', 'partner', 'son', 'daughter', 'sister', 'brother', 'mother', 'father', 'grandson', 'granddaughter', 'niece', 'nephew', 'caregiver', 'guardian', 'neighbor', 'neighbour', 'friend'];

const STATES: ReadonlyArray<readonly [string, string]> = [
  ['Alabama', 'AL'], ['Alaska', 'AK'], ['Arizona', 'AZ'], ['Arkansas', 'AR'], ['California', 'CA'], ['Colorado', 'CO'],
  ['Connecticut', 'CT'], ['Delaware', 'DE'], ['Florida', 'FL'], ['Georgia', 'GA'], ['Hawaii', 'HI'], ['Idaho', 'ID'],
  ['Illinois', 'IL'], ['Indiana', 'IN'], ['Iowa', 'IA'], ['Kansas', 'KS'], ['Kentucky', 'KY'], ['Louisiana', 'LA'],
  ['Maine', 'ME'], ['Maryland', 'MD'], ['Massachusetts', 'MA'], ['Michigan', 'MI'], ['Minnesota', 'MN'],
  ['Mississippi', 'MS'], ['Missouri', 'MO'], ['Montana', 'MT'], ['Nebraska', 'NE'], ['Nevada', 'NV'],
  ['New Hampshire', 'NH'], ['New Jersey', 'NJ'], ['New Mexico', 'NM'], ['New York', 'NY'], ['North Carolina', 'NC'],
  ['North Dakota', 'ND'], ['Ohio', 'OH'], ['Oklahoma', 'OK'], ['Oregon', 'OR'], ['Pennsylvania', 'PA'],
  ['Rhode Island', 'RI'], ['South Carolina', 'SC'], ['South Dakota', 'SD'], ['Tennessee', 'TN'], ['Texas', 'TX'],
  ['Utah', 'UT'], ['Vermont', 'VT'], ['Virginia', 'VA'], ['Washington', 'WA'], ['West Virginia', 'WV'],
  ['Wisconsin', 'WI'], ['Wyoming', 'WY'], ['District of Columbia', 'DC'],
];
const STATE_NAME = STATES.map(([name]) => name).join('|');
const STATE_ABBR = STATES.map(([, abbr]) => abbr).join('|');
/** States are not PHI under Safe Harbor (only units smaller than a state are). */
const IS_STATE = new Set(STATES.flatMap(([name, abbr]) => [name.toLowerCase(), abbr.toLowerCase()]));
const CITY = String.raw`[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}`;
const STREET_KIND = String.raw`(?:Street|St|Avenue|Ave|Road|Rd|Drive|Dr|Lane|Ln|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Terrace|Circle|Parkway|Highway)\.?`;
const ADDRESS = String.raw`\b\d{1,6} (?:[NSEW]\.? )?(?:[A-Z][a-z]+ ){1,3}${STREET_KIND}(?:,? (?:Apt|Apartment|Unit|Suite|#)\.? ?\w+)?(?!\w)`;
/** Words that end the name of a place of care. */
const ORG_HEAD = String.raw`(?:Hospital|Medical Center|Medical Centre|Health Center|Clinic|Associates|Pharmacy|Institute|Health System|Medical Group|Family Practice|Nursing Home|Hospice|Laboratory|Laboratories)`;

interface PatternRule {
  readonly type: PhiType;
  readonly re: RegExp;
  /** The capture group that is the PHI (0: the whole match). */
  readonly group?: number;
  readonly when?: (match: RegExpExecArray) => boolean;
}

const PATTERNS: readonly PatternRule[] = [
  { type: 'email', re: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  { type: 'ssn', re: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  { type: 'ssn', re: /\b(?:SSN|social security(?: number| no\.?)?)\s*[:#]?\s*(\d{9}|\d{3} \d{2} \d{4})\b/gi, group: 1 },
  { type: 'phone', re: /(?<![\w-])(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-])/g },
  { type: 'mrn', re: /\b(?:MRN|medical record(?: number| no\.?| #)?|chart(?: number| no\.?| #))\s*(?:is\s*)?[:#]?\s*([A-Z]{0,3}-?\d{5,12})\b/gi, group: 1 },
  { type: 'date', re: new RegExp(DATE_PATTERN, 'g') },
  { type: 'age', re: /\b(\d{2,3})(?=(?:-| )years?(?:-| )old\b| ?(?:y\/o|yo|y\.o\.)(?!\w))/g, group: 1, when: (m) => Number(m[1]) > 89 },
  { type: 'age', re: /\b(?:age|aged)\s*:?\s*(\d{2,3})\b/gi, group: 1, when: (m) => Number(m[1]) > 89 },
  { type: 'address', re: new RegExp(ADDRESS, 'g') },
  { type: 'zip', re: new RegExp(String.raw`\b(?:${STATE_ABBR}|${STATE_NAME}),? (\d{5})(?:-\d{4})?\b`, 'g'), group: 1 },
  { type: 'zip', re: /\b(?:zip(?: code)?|postal code)\s*:?\s*(\d{5})(?:-\d{4})?\b/gi, group: 1 },
  // A city before its state: the full name, or the abbreviation when a zip code follows.
  { type: 'location', re: new RegExp(String.raw`\b(${CITY}), (?:${STATE_NAME}\b|(?:${STATE_ABBR}) \d{5}\b)`, 'g'), group: 1 },
  // A city after a street address, or where someone lives.
  { type: 'location', re: new RegExp(String.raw`${ADDRESS}(?:,| in) (${CITY})\b(?!,? (?:${STATE_ABBR}) \d)`, 'g'), group: 1 },
  { type: 'location', re: new RegExp(String.raw`\b(?:lives|living|resides|residing|moved|relocated) (?:in|to) (${CITY})\b`, 'g'), group: 1 },
  { type: 'organization', re: new RegExp(String.raw`(?:\b(?:St\.|Saint) )?\b(?:[A-Z][A-Za-z'’]+ ){1,4}${ORG_HEAD}\b`, 'g') },
  { type: 'name', re: new RegExp(String.raw`\b${TITLE} (${NAME})`, 'g'), group: 1 },
  { type: 'name', re: new RegExp(String.raw`\b(?:${NAME_LABELS.join('|')}): +(?!${TITLE} )(${NAME})`, 'g'), group: 1 },
  // A relative's full name: `his daughter, Helen Davis`.
  { type: 'name', re: new RegExp(String.raw`\b(?:${RELATIVES.join('|')}),? (${NAME_WORD}(?: ${NAME_WORD}){1,2})`, 'g'), group: 1 },
];

/** The PHI in `text`, ordered by position, never overlapping. */
export function findPhi(text: string): PhiSpan[] {
  const taken: Candidate[] = [];
  const accept = (candidates: readonly Candidate[]): void => {
    const ordered = [...candidates].sort((a, b) => a.rank - b.rank || b.end - b.start - (a.end - a.start) || a.start - b.start);
    for (const c of ordered) {
      if (c.end <= c.start) continue;
      if (taken.some((t) => c.start < t.end && t.start < c.end)) continue;
      taken.push(c);
    }
  };

  // 1. Patterns.
  accept(patternCandidates(text));
  // 2. Other mentions of the places, organisations and full names the patterns found (a name's words
  //    alone wait for the NLP library, which may find them in a longer name).
  accept(mentionsOf(text, taken, ['location', 'organization', 'name'], 1));
  // 3. The NLP library.
  const doc = nlp(text);
  accept(nlpCandidates(text, doc));
  // 4. Other mentions of every person, place and organisation found (`Smith` alone, once `John Smith` is known).
  accept(mentionsOf(text, taken, ['location', 'organization'], 3));
  accept(nameWordMentions(text, taken));
  // 5. Names the library found only in part (`Hiroshi` of `Hiroshi Rivera`): extended over neighbouring name-like words.
  extendNames(text, taken, doc);
  accept(nameWordMentions(text, taken));

  taken.sort((a, b) => a.start - b.start);
  return withEntities(text, taken);
}

function patternCandidates(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const rule of PATTERNS) {
    for (const m of text.matchAll(new RegExp(rule.re.source, `${rule.re.flags.replace('g', '')}gd`))) {
      if (rule.when && !rule.when(m)) continue;
      const [start, end] = (m.indices?.[rule.group ?? 0] ?? [m.index, m.index + m[0].length]) as [number, number];
      let s = start;
      let e = end;
      if (rule.type === 'name') [s, e] = trimName(text, s, e);
      if (rule.type === 'organization') [s, e] = trimOrganization(text, s, e);
      if (rule.type === 'date' && !parseDate(text.slice(s, e))) continue;
      out.push({ type: rule.type, start: s, end: e, source: 'pattern', rank: 0, ...(rule.type === 'date' && isBirthDate(text, s) ? { birthDate: true } : {}) });
    }
  }
  return out;
}

/** Every other whole-word, same-case occurrence of the texts of the spans taken so far of the given types. */
function mentionsOf(text: string, taken: readonly Candidate[], types: readonly PhiType[], rank: number): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const t of taken) {
    if (!types.includes(t.type)) continue;
    const value = text.slice(t.start, t.end);
    if (seen.has(value) || value.length < 3 || (t.type === 'name' && !value.includes(' '))) continue;
    seen.add(value);
    for (const m of text.matchAll(new RegExp(`(?<![\\w'’-])${escapeRegExp(value)}(?![\\w-]|['’][A-Za-z][a-z])`, 'g'))) {
      out.push({ type: t.type, start: m.index, end: m.index + value.length, source: 'mention', rank });
    }
  }
  return out;
}

/** Every other capitalised occurrence of a word of a name found so far (first or last name alone). */
function nameWordMentions(text: string, taken: readonly Candidate[]): Candidate[] {
  const words = new Set<string>();
  for (const t of taken) {
    if (t.type !== 'name') continue;
    for (const w of text.slice(t.start, t.end).split(' ')) if (/^[A-Z].*[a-z]/.test(w) && w.length >= 2 && !TITLES.includes(w)) words.add(w);
  }
  const out: Candidate[] = [];
  for (const w of words) {
    for (const m of text.matchAll(new RegExp(`(?<![\\w'’-])${escapeRegExp(w)}(?![\\w-]|['’][A-Za-z][a-z])`, 'g'))) {
      out.push({ type: 'name', start: m.index, end: m.index + w.length, source: 'mention', rank: 4 });
    }
  }
  return out;
}

interface NlpTerm {
  readonly text: string;
  readonly tags?: readonly string[];
  readonly offset: { readonly start: number; readonly length: number };
}
interface NlpMatch {
  readonly terms: readonly NlpTerm[];
}

type Doc = ReturnType<typeof nlp>;

function nlpCandidates(text: string, doc: Doc): Candidate[] {
  const out: Candidate[] = [];
  const add = (type: PhiType, matches: unknown): void => {
    for (const m of matches as NlpMatch[]) {
      for (const [start, end] of termRuns(text, type, m.terms)) out.push({ type, start, end, source: 'nlp', rank: 2 });
    }
  };
  const json = { offset: true, terms: { offset: true } };
  add('name', doc.people().json(json));
  add('organization', doc.organizations().json(json));
  add('location', doc.places().json(json));
  add('date', doc.match('#Date+').json(json));
  return out;
}

/**
 * The spans a match of the NLP library gives, from its terms' offsets (which leave out punctuation):
 * without titles and possessive `'s`; places without state names (a state is not PHI); dates only
 * when they name a day of a month.
 */
function termRuns(text: string, type: PhiType, terms: readonly NlpTerm[]): Array<[number, number]> {
  let ts = [...terms];
  if (type === 'name') return nameRuns(text, ts);
  if (type === 'location') {
    // Split at states: `Springfield, Illinois` is the city `Springfield` in a state.
    const runs: NlpTerm[][] = [[]];
    for (let i = 0; i < ts.length; i++) {
      const two = i + 1 < ts.length ? `${ts[i]!.text} ${ts[i + 1]!.text}` : '';
      if (two && IS_STATE.has(clean(two).toLowerCase())) {
        runs.push([]);
        i++;
      } else if (IS_STATE.has(clean(ts[i]!.text).toLowerCase())) runs.push([]);
      else runs[runs.length - 1]!.push(ts[i]!);
    }
    return runs.filter((r) => r.length > 0).map((r) => spanOf(text, r)).filter(([s, e]) => /^[A-Z]/.test(text.slice(s, e)));
  }
  if (ts.length === 0) return [];
  const [s, e] = spanOf(text, ts);
  const value = text.slice(s, e);
  if (IS_STATE.has(clean(value).toLowerCase()) || value.length < 2) return [];
  if (type === 'date' && !(new RegExp(DATE_PATTERN).test(value) && parseDate(value))) return [];
  // An organisation has a capitalised word (`CKD labs`, `BP` are not one); clinical terms are never PHI.
  if (type === 'organization' && !(/^[A-Z]/.test(value) && /\b[A-Z][a-z]/.test(value))) return [];
  if (findTerms(value, CONDITIONS).length > 0 || findTerms(value, MEDICATIONS).length > 0) return [];
  return [[s, e]];
}

/**
 * The names in a match of people: runs of capitalised words, one space apart, at least one of which the
 * library tags as a first or last name. Titles and lower-case words (`sister`) are not part of it.
 */
function nameRuns(text: string, terms: readonly NlpTerm[]): Array<[number, number]> {
  const runs: NlpTerm[][] = [];
  let run: NlpTerm[] = [];
  let end = -1;
  for (const t of terms) {
    const word = clean(t.text);
    const nameLike = /^[A-Z]/.test(word) && !TITLES.includes(word) && !IS_STATE.has(word.toLowerCase());
    if (!nameLike || (run.length > 0 && text.slice(end, t.offset.start) !== ' ')) {
      if (run.length > 0) runs.push(run);
      run = [];
    }
    if (nameLike) run.push(t);
    end = t.offset.start + t.offset.length;
  }
  if (run.length > 0) runs.push(run);
  // `Person` alone is not enough: the library passes it to every word of a match (`Joseph Garcia    Medical`).
  const personal = (t: NlpTerm): boolean => (t.tags ?? []).some((tag) => tag === 'FirstName' || tag === 'LastName');
  // One match is one person: keep its longest run (`Priya Nguyen`, not `Medical` of `Priya Nguyen    Medical`).
  const best = runs.filter((r) => r.some(personal)).sort((a, b) => b.length - a.length)[0];
  return best ? [spanOf(text, best)] : [];
}

/**
 * The tags of a word that may be part of a name: a noun the library knows nothing else about (it tags
 * `Hiroshi` at the start of a line as a plain noun), or a proper noun or person.
 */
const NAME_TAGS = new Set(['Noun', 'Singular', 'ProperNoun', 'Person', 'FirstName', 'LastName', 'MaleName', 'FemaleName']);
/** Capitalised words that often stand right before a name and are not part of it. */
const BEFORE_NAMES = new Set(['Patient', 'Pt', 'Nurse', 'Doctor', 'Physician', 'Dear', 'Hello', 'Contact', 'Call', 'Ask', 'Tell', 'Per', 'Attending', 'Resident', 'Caregiver', 'Guardian', 'Sincerely', 'Regards', 'Thanks']);

/**
 * Grows each name span over a capitalised word right before or after it (one space apart) that the
 * library tags as nothing but a noun, proper noun or person (not a verb, a place, a month...).
 */
function extendNames(text: string, taken: Candidate[], doc: Doc): void {
  const terms = (doc.json({ offset: true, terms: { offset: true } }) as NlpMatch[]).flatMap((m) => m.terms);
  const nameLike = (t: NlpTerm): boolean => {
    const word = clean(t.text);
    const tags = t.tags ?? [];
    return (
      /^[A-Z][a-z]/.test(word) && !TITLES.includes(word) && !IS_STATE.has(word.toLowerCase()) && !BEFORE_NAMES.has(word) &&
      tags.every((tag) => NAME_TAGS.has(tag))
    );
  };
  const free = (s: number, e: number, self: Candidate): boolean => !taken.some((t) => t !== self && s < t.end && t.start < e);
  for (let i = 0; i < taken.length; i++) {
    let c = taken[i]!;
    if (c.type !== 'name') continue;
    for (;;) {
      const before = terms.find((t) => t.offset.start + t.offset.length + 1 === c.start && text[c.start - 1] === ' ');
      const after = terms.find((t) => t.offset.start === c.end + 1 && text[c.end] === ' ');
      if (before && nameLike(before) && free(before.offset.start, c.end, c) && text.slice(before.offset.start, c.start - 1) === clean(before.text)) {
        c = { ...c, start: before.offset.start };
      } else if (after && nameLike(after) && free(c.start, after.offset.start + clean(after.text).length, c) && text.startsWith(clean(after.text), after.offset.start)) {
        c = { ...c, end: after.offset.start + clean(after.text).length };
      } else break;
    }
    taken[i] = c;
  }
}

function spanOf(text: string, terms: readonly NlpTerm[]): [number, number] {
  const first = terms[0]!;
  const last = terms[terms.length - 1]!;
  let s = first.offset.start;
  let e = last.offset.start + last.offset.length;
  while (s < e && /[\s"'(“‘,.;:]/.test(text[s] as string)) s++;
  while (e > s && /[\s"')”’,.;:!?]/.test(text[e - 1] as string)) e--;
  if (/['’]s$/.test(text.slice(s, e))) e -= 2;
  return [s, e];
}

const clean = (s: string): string => s.replace(/[^\w\s]/g, '').trim();

/** A name without a possessive `'s` (the regular expression keeps `O'Brien` whole). */
function trimName(text: string, s: number, e: number): [number, number] {
  return /['’]s$/.test(text.slice(s, e)) ? [s, e - 2] : [s, e];
}

/** An organisation without a leading word that only starts the sentence or line (`Seen`, `Dear`). */
function trimOrganization(text: string, s: number, e: number): [number, number] {
  const value = text.slice(s, e);
  const lead = /^(?:The|A|An|At|To|From|In|Seen|Admitted|Dear|Follow|Disposition) /.exec(value);
  return lead ? [s + lead[0].length, e] : [s, e];
}

function isBirthDate(text: string, start: number): boolean {
  return /\b(?:DOB|D\.O\.B\.|date of birth|birth ?date|born(?: on)?)\s*[:;(]?\s*$/i.test(text.slice(Math.max(0, start - 24), start));
}

/** Gives every span the entity it refers to, consistent within the note. */
function withEntities(text: string, spans: readonly Candidate[]): PhiSpan[] {
  const people = resolvePeople(spans.filter((s) => s.type === 'name').map((s) => text.slice(s.start, s.end)));
  return spans.map((c): PhiSpan => {
    const value = text.slice(c.start, c.end);
    const base = { type: c.type, start: c.start, end: c.end, text: value, source: c.source, ...(c.birthDate ? { birthDate: true } : {}) };
    return { ...base, entity: `${c.type}:${c.type === 'name' ? people.get(value) : normalise(c.type, value)}` };
  });
}

/**
 * Groups the mentions of people: a full name is a person; a single word joins the person whose last
 * name (else first name) it is. Returns, for each mention, its person's number in order of appearance.
 */
export function resolvePeople(mentions: readonly string[]): Map<string, number> {
  const persons: Array<{ first: string; last: string }> = [];
  const byMention = new Map<string, number>();
  const words = (m: string): string[] => m.split(' ').filter((w) => !/^[A-Z]\.$/.test(w));
  for (const m of mentions) {
    const ws = words(m);
    if (ws.length < 2 || byMention.has(m)) continue;
    const first = ws[0] as string;
    const last = ws[ws.length - 1] as string;
    let i = persons.findIndex((p) => p.first === first && p.last === last);
    if (i < 0) i = persons.push({ first, last }) - 1;
    byMention.set(m, i + 1);
  }
  for (const m of mentions) {
    if (byMention.has(m)) continue;
    let i = persons.findIndex((p) => p.last === m);
    if (i < 0) i = persons.findIndex((p) => p.first === m);
    if (i < 0) i = persons.push({ first: '', last: m }) - 1;
    byMention.set(m, i + 1);
  }
  return byMention;
}

/** A key for a value of a type: the same date, number or place written differently has one key. */
function normalise(type: PhiType, value: string): string {
  switch (type) {
    case 'date': {
      const d = parseDate(value);
      return d ? dateKey(d) : value.toLowerCase();
    }
    case 'phone':
      return value.replace(/\D/g, '').slice(-10);
    case 'ssn':
    case 'mrn':
    case 'zip':
    case 'age':
      return value.replace(/\W/g, '').toUpperCase();
    default:
      return value.toLowerCase().replace(/\s+/g, ' ');
  }
}
