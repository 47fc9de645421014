/**
 * What `anonymize` and `deidentify` do to a note whose PHI was found: plain functions, kept apart
 * from the NLP library so that the isolated processes that run them load only this.
 */
import { createHmac } from 'node:crypto';
import { formatDate, parseDate, shiftDate } from './dates.js';
import { emptyCounts, type AnonymizedNote, type DeidentifiedNote, type IdentifiedNote, type PhiSpan, type PhiType } from './types.js';

/**
 * Three-digit zip prefixes that Safe Harbor generalises to `000`: the areas they cover hold 20,000
 * people or fewer (the HHS list, from the 2000 census).
 */
export const RESTRICTED_ZIP3 = new Set(['036', '059', '063', '102', '203', '556', '692', '790', '821', '823', '830', '831', '878', '879', '884', '890', '893']);

const TAGS: Readonly<Record<PhiType, string>> = {
  name: '[NAME]',
  date: '[DATE]',
  phone: '[PHONE]',
  email: '[EMAIL]',
  ssn: '[SSN]',
  mrn: '[MRN]',
  age: '90+',
  address: '[ADDRESS]',
  zip: '[ZIP]',
  location: '[LOCATION]',
  organization: '[ORGANIZATION]',
};

/**
 * Removes or generalises every span after Safe Harbor's rules: identifiers become a tag (`[NAME]`,
 * `[PHONE]`...); a date keeps its year only (a date with no year, or a birth date that puts the patient
 * over 89, keeps nothing); an age over 89 becomes `90+`; a zip code keeps its first three digits
 * (`000` where they cover too few people).
 */
export function deidentifyNote(note: IdentifiedNote): DeidentifiedNote {
  const removed = emptyCounts();
  const over89 = birthDateOver89(note);
  const text = replaceSpans(note.text, note.spans, (span) => {
    removed[span.type]++;
    switch (span.type) {
      case 'date': {
        const year = parseDate(span.text)?.year ?? null;
        if (year === null) return TAGS.date;
        if (over89(span)) return TAGS.date;
        return String(year);
      }
      case 'zip': {
        const zip3 = span.text.slice(0, 3);
        return `${RESTRICTED_ZIP3.has(zip3) ? '000' : zip3}XX`;
      }
      default:
        return TAGS[span.type];
    }
  });
  return { id: note.id, text, removed };
}

/**
 * Whether a span is a birth date that puts the patient over 89 in the year the note is written in (the
 * latest year of its other dates): Safe Harbor lets no date element, the year included, tell that.
 */
function birthDateOver89(note: IdentifiedNote): (span: PhiSpan) => boolean {
  const years = note.spans.filter((s) => s.type === 'date' && !s.birthDate).map((s) => parseDate(s.text)?.year ?? null).filter((y): y is number => y !== null);
  const noteYear = years.length > 0 ? Math.max(...years) : undefined;
  return (span) => {
    const year = span.type === 'date' && span.birthDate ? (parseDate(span.text)?.year ?? null) : null;
    return year !== null && noteYear !== undefined && noteYear - year >= 90;
  };
}

/**
 * Replaces every span with a pseudonym (a surrogate of the same kind), consistently within the note:
 * every mention of a person gets the same made-up person (`John Smith`, `Mr. Smith`, `John` become
 * `Avery Lockhart`, `Mr. Lockhart`, `Avery`), every date moves by the same number of days (so that
 * intervals stay true), a phone number, e-mail, SSN or record number gets the same made-up one each
 * time. Pseudonyms come from a keyed hash (HMAC-SHA-256) of the note and the entity: the same key
 * gives the same pseudonyms, and they never coincide with a word of the original note. Ages over 89
 * become `90+`, and a birth date that tells such an age becomes `[DATE]`, as in `deidentifyNote`.
 */
export function anonymizeNote(note: IdentifiedNote, key: string): AnonymizedNote {
  const hash = (...parts: readonly (string | number)[]): Buffer => createHmac('sha256', key).update([note.id, ...parts].join('\u0000')).digest();
  const originalWords = new Set(note.text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  // Short numbers (`555` of a phone number, `34` of an SSN) are no one's; the whole pseudonym must still be new.
  const fresh = (candidate: string): boolean =>
    !note.text.includes(candidate) &&
    !(candidate.toLowerCase().match(/[a-z0-9]+/g) ?? []).some((w) => originalWords.has(w) && !GENERIC_WORDS.has(w) && !/^\d{1,4}$/.test(w));
  const used = new Set<string>();
  /**
   * A value for `entity` from `make(attempt)`: new in the note, and not in the original text. Should a
   * pool run out (hundreds of people in one note), the entity gets a numbered tag, which is still consistent.
   */
  const choose = (entity: string, make: (attempt: number) => string): string => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const value = make(attempt);
      if (!used.has(value.toLowerCase()) && fresh(value)) {
        used.add(value.toLowerCase());
        return value;
      }
    }
    const value = `[${entity.split(':')[0]!.toUpperCase()} ${used.size + 1}]`;
    used.add(value.toLowerCase());
    return value;
  };
  const pick = <T>(xs: readonly T[], h: Buffer, at = 0): T => xs[h.readUInt32BE(at) % xs.length] as T;
  const digits = (h: Buffer, n: number): string => Array.from({ length: n }, (_, i) => String((h[i] as number) % 10)).join('');

  const surrogates = new Map<string, string>();
  const people = new Map<string, { first: string; last: string }>();
  const shiftDays = dateShift(note, hash);
  const over89 = birthDateOver89(note);

  const personOf = (span: PhiSpan): { first: string; last: string } => {
    let p = people.get(span.entity);
    if (!p) {
      const first = choose(`${span.entity}/first`, (a) => pick(PSEUDO_FIRST, hash(span.entity, 'first', a)));
      const last = choose(`${span.entity}/last`, (a) => pick(PSEUDO_LAST, hash(span.entity, 'last', a)));
      p = { first, last };
      people.set(span.entity, p);
    }
    return p;
  };
  /** The entity's full name as written the first time it is written in full (to tell a first name from a last). */
  const fullNames = new Map<string, string[]>();
  for (const s of note.spans) if (s.type === 'name' && s.text.includes(' ') && !fullNames.has(s.entity)) fullNames.set(s.entity, s.text.split(' '));

  const surrogate = (span: PhiSpan): string => {
    if (span.type === 'name') {
      const p = personOf(span);
      const words = span.text.split(' ');
      if (words.length > 1) return `${p.first} ${p.last}`;
      const full = fullNames.get(span.entity);
      return full && full[0] === span.text && full[full.length - 1] !== span.text ? p.first : p.last;
    }
    if (span.type === 'age') return '90+';
    if (span.type === 'date') {
      // Dates move by one offset per note: the same date is the same pseudonym in every format.
      const d = parseDate(span.text);
      if (!d || over89(span)) return '[DATE]';
      const moved = shiftDate(d, shiftDays);
      return formatDate(moved.year, moved.month, moved.day, d.format);
    }
    let value = surrogates.get(span.entity);
    if (value === undefined) {
      const h = (a: number): Buffer => hash(span.entity, a);
      switch (span.type) {
        case 'phone':
          // 555-0100 to 555-0199: numbers set aside for fiction.
          value = choose(span.entity, (a) => withDigits(span.text, `555555${'01'}${digits(h(a), 2)}`.padStart(countDigits(span.text), '1')));
          break;
        case 'email':
          value = choose(span.entity, (a) => `patient.${h(a).toString('hex').slice(0, 8)}@example.invalid`);
          break;
        case 'ssn':
          // No SSN starts with 9.
          value = choose(span.entity, (a) => withDigits(span.text, `9${digits(h(a), countDigits(span.text) - 1)}`));
          break;
        case 'mrn':
        case 'zip':
          value = choose(span.entity, (a) => withDigits(span.text, `${span.type === 'zip' ? '00' : '9'}${digits(h(a), 12)}`.slice(0, countDigits(span.text))));
          break;
        case 'address':
          value = choose(span.entity, (a) => `${10 + (h(a).readUInt32BE(4) % 9000)} ${pick(PSEUDO_STREETS, h(a))} ${pick(PSEUDO_STREET_KINDS, h(a), 8)}`);
          break;
        case 'location':
          value = choose(span.entity, (a) => pick(PSEUDO_TOWNS, h(a)));
          break;
        case 'organization':
          value = choose(span.entity, (a) => pick(PSEUDO_ORGANIZATIONS, h(a)));
          break;
      }
      surrogates.set(span.entity, value);
    }
    return value;
  };

  const text = replaceSpans(note.text, note.spans, surrogate);
  const entities = new Set(note.spans.map((s) => s.entity)).size;
  return { id: note.id, text, replaced: note.spans.length, entities };
}

/** The text with each span replaced by what `replace` gives for it (spans in order, not overlapping). */
export function replaceSpans(text: string, spans: readonly PhiSpan[], replace: (span: PhiSpan) => string): string {
  let out = '';
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at) throw new Error(`overlapping PHI spans at ${span.start}`);
    out += text.slice(at, span.start) + replace(span);
    at = span.end;
  }
  return out + text.slice(at);
}

/**
 * How many days the note's dates move (back, by 1 to 365 days): the first offset from the keyed hash
 * that moves no date onto a day of the year that a date of the note already names.
 */
function dateShift(note: IdentifiedNote, hash: (...parts: readonly (string | number)[]) => Buffer): number {
  const dates = note.spans.filter((s) => s.type === 'date').map((s) => parseDate(s.text)).filter((d) => d !== undefined);
  const dayOfYear = (d: { month: number; day: number }): string => `${d.month}-${d.day}`;
  const taken = new Set(dates.map(dayOfYear));
  for (let attempt = 0; ; attempt++) {
    const days = -(1 + (hash('date-shift', attempt).readUInt32BE(0) % 365));
    if (attempt >= 100 || dates.every((d) => !taken.has(dayOfYear(shiftDate(d, days))))) return days;
  }
}

const countDigits = (s: string): number => s.replace(/\D/g, '').length;

/** `format` with its digits replaced, in order, by `digits`: `(217) 483-2291` keeps its punctuation. */
function withDigits(format: string, digits: string): string {
  let i = 0;
  return format.replace(/\d/g, () => digits[i++] ?? '0');
}

/** Words of pseudonyms that may well be in the note too (they identify nothing). */
const GENERIC_WORDS = new Set(['medical', 'center', 'hospital', 'clinic', 'health', 'associates', 'community', 'regional', 'family', 'practice', 'group', 'street', 'avenue', 'road', 'lane', 'drive', 'way', 'falls', 'hollow', 'patient', 'example', 'invalid']);
const PSEUDO_FIRST = ['Avery', 'Casey', 'Riley', 'Morgan', 'Quinn', 'Rowan', 'Sasha', 'Emerson', 'Finley', 'Harper', 'Jesse', 'Kendall', 'Logan', 'Parker', 'Reese', 'Sawyer', 'Skyler', 'Dana', 'Robin', 'Kai', 'Marlowe', 'Ellis', 'Tatum', 'Blair'];
const PSEUDO_LAST = ['Ashdown', 'Bellamy', 'Calloway', 'Dunmore', 'Everly', 'Fairbanks', 'Galloway', 'Hartwell', 'Ingram', 'Jessup', 'Kingsley', 'Lockhart', 'Merriweather', 'Northcott', 'Pemberton', 'Quimby', 'Radcliffe', 'Sutherland', 'Thornbury', 'Underhill', 'Vance', 'Whitlock', 'Yardley', 'Abernathy'];
const PSEUDO_STREETS = ['Aspen', 'Bayberry', 'Cobblestone', 'Dogwood', 'Evergreen', 'Foxglove', 'Goldenrod', 'Heather', 'Ironwood', 'Larkspur', 'Mulberry', 'Primrose'];
const PSEUDO_STREET_KINDS = ['Street', 'Avenue', 'Road', 'Lane', 'Drive', 'Way'];
const PSEUDO_TOWNS = ['Fairview Falls', 'Millbrook', 'Oakhaven', 'Pinecrest', 'Silverton', 'Westbury', 'Cloverdale', 'Briarwood', 'Elmstead', 'Kingsport', 'Ashford', 'Thornton Hollow'];
const PSEUDO_ORGANIZATIONS = ['Meadowbrook Medical Center', 'Harborview Clinic', 'Stonebridge Hospital', 'Greenfield Health Associates', 'Willowdale Community Hospital', 'Crestwood Medical Group', 'Bluewater Family Practice', 'Ridgeline Regional Hospital', 'Foxhollow Clinic', 'Ambervale Hospital'];
