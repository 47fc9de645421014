/**
 * Deterministic synthetic clinical notes, with the truth about them: which strings are PHI, of what
 * type and entity, and which conditions and medications each note mentions. Every person, number and
 * address is made up from the seeded generator (no real patient data); cities are real places
 * with a plausible zip code, as a real note would have.
 *
 * `generate.ts` writes the notes the application ships (`data/phi/`); the tests check that the shipped
 * files are exactly what this generator gives.
 */
import type { ClinicalNote, PhiType } from './types.js';
import { CONDITIONS, MEDICATIONS } from './vocabulary.js';
import { seededRandom } from '../seeded-random.js';

/** A part of a note's text: literal text, or a slot the generator filled. */
export type Segment = string | Slot;

export interface Slot {
  /** A PHI type, or what a non-PHI slot holds. */
  readonly kind: PhiType | 'state' | 'condition' | 'medication' | 'age';
  /** Whether the text is PHI (an age is PHI only over 89). */
  readonly phi: boolean;
  readonly text: string;
  /** The entity the slot refers to, unique within the note (`P1`, `D1`, `T2`...); for terms, the term. */
  readonly entity: string;
  /** How it is written: for names `full` / `first` / `last`, for dates the format. */
  readonly form?: string;
  /** For dates: the year written, if any; and whether it is a date of birth. */
  readonly year?: number | null;
  readonly birthDate?: boolean;
}

export interface NoteTruth {
  readonly id: string;
  readonly template: string;
  readonly segments: readonly Segment[];
}

export interface SyntheticNotes {
  readonly seed: number;
  readonly notes: ClinicalNote[];
  readonly truth: NoteTruth[];
}

/** The seed and size of the shipped data set. */
export const SHIPPED = { seed: 20_210_714, count: 40 } as const;

interface Person {
  readonly first: string;
  readonly last: string;
  readonly sex: 'male' | 'female';
}
interface City {
  readonly city: string;
  readonly state: string;
  readonly abbr: string;
  readonly zip: string;
  readonly area: string;
}

const FEMALE = ['Mary', 'Patricia', 'Jennifer', 'Linda', 'Elizabeth', 'Barbara', 'Susan', 'Margaret', 'Dorothy', 'Karen', 'Nancy', 'Helen', 'Sandra', 'Donna', 'Carol', 'Ruth', 'Sharon', 'Michelle', 'Laura', 'Maria', 'Priya', 'Fatima', 'Olga', 'Ingrid'];
const MALE = ['James', 'Robert', 'Michael', 'William', 'David', 'Richard', 'Joseph', 'Charles', 'Daniel', 'Matthew', 'Anthony', 'Paul', 'Steven', 'Kevin', 'George', 'Edward', 'Brian', 'Ronald', 'Ahmed', 'Hiroshi', 'Tomasz', 'Rajesh'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Taylor', 'Moore', 'Thompson', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Robinson', 'Walker', 'Torres', 'Nguyen', 'Flores', 'Baker', 'Rivera', 'Campbell', 'Carter', 'Roberts', 'Chen', 'Patel', 'Kowalski', 'Okafor', 'Schneider', 'Tanaka', 'Haddad', 'Lindqvist'];
const CITIES: readonly City[] = [
  { city: 'Springfield', state: 'Illinois', abbr: 'IL', zip: '62704', area: '217' },
  { city: 'Columbus', state: 'Ohio', abbr: 'OH', zip: '43215', area: '614' },
  { city: 'Denver', state: 'Colorado', abbr: 'CO', zip: '80203', area: '303' },
  { city: 'Portland', state: 'Oregon', abbr: 'OR', zip: '97205', area: '503' },
  { city: 'Austin', state: 'Texas', abbr: 'TX', zip: '78701', area: '512' },
  { city: 'Madison', state: 'Wisconsin', abbr: 'WI', zip: '53703', area: '608' },
  { city: 'Albany', state: 'New York', abbr: 'NY', zip: '12207', area: '518' },
  { city: 'Raleigh', state: 'North Carolina', abbr: 'NC', zip: '27601', area: '919' },
  { city: 'Tucson', state: 'Arizona', abbr: 'AZ', zip: '85701', area: '520' },
  { city: 'Omaha', state: 'Nebraska', abbr: 'NE', zip: '68102', area: '402' },
  { city: 'Boise', state: 'Idaho', abbr: 'ID', zip: '83702', area: '208' },
  { city: 'Burlington', state: 'Vermont', abbr: 'VT', zip: '05401', area: '802' },
  // Zip prefixes Safe Harbor generalises to 000 (fewer than 20,000 people).
  { city: 'Pinedale', state: 'Wyoming', abbr: 'WY', zip: '83101', area: '307' },
  { city: 'Ely', state: 'Nevada', abbr: 'NV', zip: '89301', area: '775' },
];
const HOSPITALS = ['Riverside General Hospital', "St. Luke's Medical Center", 'Mercy Medical Center', 'Lakeview Community Hospital', 'Northgate Regional Medical Center', 'Good Samaritan Hospital'];
const CLINICS = ['Lakeview Family Clinic', 'Cedar Ridge Cardiology Clinic', 'Prairie Health Associates', 'Summit Pulmonary Associates', 'Brookside Internal Medicine Clinic'];
const STREETS = ['Maple', 'Oak', 'Cedar', 'Elm', 'Birch', 'Willow', 'Chestnut', 'Walnut', 'Sycamore', 'Juniper', 'Magnolia', 'Hawthorn'];
const STREET_KINDS = ['Street', 'Avenue', 'Road', 'Lane', 'Drive', 'Court'];
const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * The templates: `{kind:key:form}` slots in literal text. Keys name entities within the note
 * (P1 the patient, P2 and P4 physicians, P3 a relative; D0..D3 and DOB dates; T1, T2 phones;
 * C1, C2 cities; O1 a hospital, O2 a clinic).
 */
export const TEMPLATES: Readonly<Record<string, string>> = {
  admission: `ADMISSION NOTE
Patient: {name:P1}
MRN: {mrn}
DOB: {date:DOB:us}
Admitted: {date:D1:long} to {org:O1}
Address: {street}, {city:C1}, {state:C1:abbr} {zip:C1}
Phone: {phone:T1:paren}
Email: {email:P1}
SSN: {ssn}

History of present illness: {name:P1} is a {age}-year-old {sex} with a history of {cond:1} and {cond:2} who presented with worsening shortness of breath. {hon:P1} {last:P1} reports that the symptoms began on {date:D0:short}. {His} {rel}, {name:P3}, can be reached at {phone:T2:dash}.
Home medications: {med:1}, {med:2}.
Assessment: {cond:1}, exacerbation.
Attending physician: Dr. {name:P2}.
Plan: admit to telemetry; follow up with Dr. {last:P2} on {date:D2:iso}.`,

  discharge: `DISCHARGE SUMMARY
{org:O1}, {city:C2}, {state:C2:name}
Name: {name:P1}    Medical record number: {mrn}
Date of admission: {date:D1:us}    Date of discharge: {date:D2:us}

{hon:P1} {last:P1}, {age} years old, was admitted on {date:D1:long} for {cond:1}. During the stay {he} was treated with {med:1} and {med:2}. The course was complicated by {cond:2}. {hon:P1} {last:P1} lives at {street} in {city:C1} with {his} {rel} {name:P3}.
Discharge medications: {med:1}; {med:2}; {med:3}.
Follow-up: Dr. {name:P2} at {org:O2}, telephone {phone:T1:dash}, on {date:D3:long}.`,

  clinic: `CLINIC VISIT, {date:D1:short}
{name:P1} ({age} y/o {sex}, MRN {mrn}) returns to {org:O2} for follow-up of {cond:1}. {He} was last seen by Dr. {name:P2} on {date:D0:long}. {He} has been taking {med:1} as prescribed and denies side effects. {first:P1} asked whether the dose of {med:2} could be reduced. Email on file: {email:P1}. Next visit on {date:D2:noyear}.
Dr. {last:P2}`,

  emergency: `EMERGENCY DEPARTMENT NOTE
{date:D1:iso} 14:32. {name:P1}, a {age}-year-old {sex} from {city:C1}, {state:C1:name}, was brought in by ambulance after a fall at home ({street}, {city:C1}, {state:C1:abbr} {zip:C1}). History of {cond:1}, {cond:2} and {cond:3}. Takes {med:1} daily. {His} {rel} {name:P3} was notified at {phone:T1:paren}. SSN on file: {ssn}. Seen by Dr. {name:P2}. Disposition: admitted to {org:O1}.`,

  referral: `{org:O2}
{street}, {city:C2}, {state:C2:abbr} {zip:C2}
{date:D1:long}

Dear Dr. {last:P2},

I am referring {name:P1} (DOB {date:DOB:long}; MRN: {mrn}) for evaluation of {cond:1}. {hon:P1} {last:P1} is {age} years old and currently takes {med:1} and {med:2}. {He} may be reached at {phone:T1:dash} or {email:P1}.

Sincerely,
Dr. {name:P4}`,
};

/** Generates `count` notes from `seed`: the same arguments give the same notes, on any machine. */
export function generateNotes(seed: number = SHIPPED.seed, count: number = SHIPPED.count): SyntheticNotes {
  const rng = seededRandom(seed);
  const names = Object.keys(TEMPLATES);
  const notes: ClinicalNote[] = [];
  const truth: NoteTruth[] = [];
  for (let i = 0; i < count; i++) {
    const template = names[i % names.length] as string;
    const id = `note-${String(i + 1).padStart(3, '0')}`;
    const segments = fill(TEMPLATES[template] as string, rng);
    notes.push({ id, text: segments.map((s) => (typeof s === 'string' ? s : s.text)).join('') });
    truth.push({ id, template, segments });
  }
  return { seed, notes, truth };
}

/** Fills one template with one made-up patient's details. */
function fill(template: string, rng: () => number): Segment[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
  const distinct = <T>(xs: readonly T[], n: number): T[] => {
    const pool = [...xs];
    const out: T[] = [];
    for (let k = 0; k < n; k++) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0] as T);
    return out;
  };

  // People: distinct first and last names within the note, so that a mention names one person.
  const lasts = distinct(LAST, 4);
  const sex = (): Person['sex'] => (rng() < 0.5 ? 'female' : 'male');
  const usedFirst = new Set<string>();
  const person = (sex: Person['sex'], last: string): Person => {
    let first: string;
    do first = pick(sex === 'female' ? FEMALE : MALE);
    while (usedFirst.has(first));
    usedFirst.add(first);
    return { first, last, sex };
  };
  const people: Record<string, Person> = {
    P1: person(sex(), lasts[0] as string),
    P2: person(sex(), lasts[1] as string),
    P3: person(sex(), lasts[2] as string),
    P4: person(sex(), lasts[3] as string),
  };
  const relatives = (people.P3 as Person).sex === 'female' ? ['daughter', 'wife', 'sister'] : ['son', 'husband', 'brother'];
  const rel = pick(relatives);

  const [c1, c2] = distinct(CITIES, 2) as [City, City];
  const cities: Record<string, City> = { C1: c1, C2: c2 };
  const orgs: Record<string, string> = { O1: pick(HOSPITALS), O2: pick(CLINICS) };

  // Dates: a visit in 2019-2023, a date before it, follow-ups after it; a date of birth from the age.
  const age = rng() < 0.25 ? int(90, 101) : int(19, 85);
  const d1 = Date.UTC(int(2019, 2023), int(0, 11), int(1, 28));
  const day = 86_400_000;
  const dates: Record<string, number> = { D1: d1, D0: d1 - int(2, 30) * day, D2: d1 + int(1, 14) * day };
  dates.D3 = (dates.D2 as number) + int(7, 60) * day;
  const visit = new Date(d1);
  const birthMonth = int(0, 11);
  const birthDay = int(1, 28);
  const birthdayLater = birthMonth > visit.getUTCMonth() || (birthMonth === visit.getUTCMonth() && birthDay > visit.getUTCDate());
  dates.DOB = Date.UTC(visit.getUTCFullYear() - age - (birthdayLater ? 1 : 0), birthMonth, birthDay);

  const phones: Record<string, [string, string, string]> = {};
  const phone = (key: string): [string, string, string] =>
    (phones[key] ??= [key === 'T1' ? c1.area : pick(CITIES).area, String(int(201, 989)), String(int(0, 9999)).padStart(4, '0')]);
  const patient = people.P1 as Person;
  const email = `${patient.first.toLowerCase()}.${patient.last.toLowerCase()}${int(1, 99)}@${pick(EMAIL_DOMAINS)}`;
  const ssn = `${int(100, 665)}-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`;
  const mrn = String(int(1_000_000, 99_999_999)).padStart(8, '0');
  const street = `${int(12, 9899)} ${pick(STREETS)} ${pick(STREET_KINDS)}`;

  const conditions = distinct(CONDITIONS, 3).map((t) => ({ term: t.term, form: pick(t.forms) }));
  const medications = distinct(MEDICATIONS, 3).map((t) => ({ term: t.term, form: pick(t.forms) }));

  const he = patient.sex === 'female' ? 'she' : 'he';
  const his = patient.sex === 'female' ? 'her' : 'his';
  const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);

  const segments: Segment[] = [];
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)(?::(\w+))?(?::(\w+))?\}/g)) {
    if (m.index > last) segments.push(template.slice(last, m.index));
    last = m.index + m[0].length;
    const [, kind = '', key = '', form = ''] = m;
    const literal = (text: string): void => void segments.push(text);
    const slot = (s: Slot): void => void segments.push(s);
    switch (kind) {
      case 'name':
      case 'first':
      case 'last': {
        const p = people[key] as Person;
        const text = kind === 'name' ? `${p.first} ${p.last}` : kind === 'first' ? p.first : p.last;
        slot({ kind: 'name', phi: true, text, entity: key, form: kind === 'name' ? 'full' : kind });
        break;
      }
      case 'hon':
        literal((people[key] as Person).sex === 'female' ? 'Ms.' : 'Mr.');
        break;
      case 'date': {
        const t = dates[key] as number;
        slot({ kind: 'date', phi: true, text: formatDate(t, form), entity: key, form, year: form === 'noyear' ? null : new Date(t).getUTCFullYear(), birthDate: key === 'DOB' });
        break;
      }
      case 'phone': {
        const [a, b, c] = phone(key);
        slot({ kind: 'phone', phi: true, text: form === 'paren' ? `(${a}) ${b}-${c}` : `${a}-${b}-${c}`, entity: key });
        break;
      }
      case 'email':
        slot({ kind: 'email', phi: true, text: email, entity: `E${key}` });
        break;
      case 'ssn':
        slot({ kind: 'ssn', phi: true, text: ssn, entity: 'SSN' });
        break;
      case 'mrn':
        slot({ kind: 'mrn', phi: true, text: mrn, entity: 'MRN' });
        break;
      case 'street':
        slot({ kind: 'address', phi: true, text: street, entity: 'A1' });
        break;
      case 'city':
        slot({ kind: 'location', phi: true, text: (cities[key] as City).city, entity: key });
        break;
      case 'state': {
        const c = cities[key] as City;
        slot({ kind: 'state', phi: false, text: form === 'abbr' ? c.abbr : c.state, entity: c.abbr });
        break;
      }
      case 'zip':
        slot({ kind: 'zip', phi: true, text: (cities[key] as City).zip, entity: `Z${key}` });
        break;
      case 'org':
        slot({ kind: 'organization', phi: true, text: orgs[key] as string, entity: key });
        break;
      case 'age':
        slot({ kind: 'age', phi: age > 89, text: String(age), entity: 'AGE' });
        break;
      case 'cond': {
        const c = conditions[Number(key) - 1]!;
        slot({ kind: 'condition', phi: false, text: c.form, entity: c.term });
        break;
      }
      case 'med': {
        const c = medications[Number(key) - 1]!;
        slot({ kind: 'medication', phi: false, text: c.form, entity: c.term });
        break;
      }
      case 'sex':
        literal(patient.sex === 'female' ? 'woman' : 'man');
        break;
      case 'rel':
        literal(rel);
        break;
      case 'he':
      case 'He':
        literal(kind === 'He' ? cap(he) : he);
        break;
      case 'his':
      case 'His':
        literal(kind === 'His' ? cap(his) : his);
        break;
      default:
        throw new Error(`unknown slot {${m[0]}}`);
    }
  }
  if (last < template.length) segments.push(template.slice(last));
  return mergeLiterals(segments);
}

function mergeLiterals(segments: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const prev = out[out.length - 1];
    if (typeof s === 'string' && typeof prev === 'string') out[out.length - 1] = prev + s;
    else out.push(s);
  }
  return out;
}

function formatDate(t: number, form: string): string {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  const pad = (n: number): string => String(n).padStart(2, '0');
  switch (form) {
    case 'long':
      return `${MONTHS[m]} ${day}, ${y}`;
    case 'short':
      return `${(MONTHS[m] as string).slice(0, 3)} ${day}, ${y}`;
    case 'us':
      return `${pad(m + 1)}/${pad(day)}/${y}`;
    case 'iso':
      return `${y}-${pad(m + 1)}-${pad(day)}`;
    case 'noyear':
      return `${MONTHS[m]} ${day}`;
    default:
      throw new Error(`unknown date form ${form}`);
  }
}

