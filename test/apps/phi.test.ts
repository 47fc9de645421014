import 'reflect-metadata';
import { beforeAll, describe, expect, test } from 'vitest';
import { InputValidationError, Measurements, planWorkflow, Runtime, type MachineInfo } from '@faastlane/core';
import {
  anonymizeNote, DEMO_PSEUDONYM_KEY, expectedStats, findPhi, generateNotes, holds, loadNotes, loadTruth, phi, phiStringsOf, SHIPPED,
  verifyReport, type NoteTruth, type PhiReport, type Slot,
} from '@faastlane/examples/apps/phi/index';
import { closingRuntimes } from '../support/runtimes.js';

// Three-digit zip prefixes Safe Harbor turns into 000 (HHS guidance, 2000 census), written out here
// rather than imported, so that the test does not take the implementation's word for them.
const RESTRICTED = ['036', '059', '063', '102', '203', '556', '692', '790', '821', '823', '830', '831', '878', '879', '884', '890', '893'];

const create = closingRuntimes();

let rt: Runtime;
let truth: NoteTruth[];
let report: PhiReport;
beforeAll(async () => {
  rt = await create();
  truth = loadTruth();
});

const slots = (note: NoteTruth): Slot[] => note.segments.filter((s): s is Slot => typeof s !== 'string');
const over89 = (note: NoteTruth): boolean => slots(note).some((s) => s.kind === 'age' && s.phi);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What Safe Harbor leaves of a note, written from the truth alone. */
function expectedDeidentified(note: NoteTruth): string {
  const tags: Record<string, string> = {
    name: '[NAME]', phone: '[PHONE]', email: '[EMAIL]', ssn: '[SSN]', mrn: '[MRN]', address: '[ADDRESS]', location: '[LOCATION]', organization: '[ORGANIZATION]',
  };
  return note.segments
    .map((s) => {
      if (typeof s === 'string' || !s.phi) return typeof s === 'string' ? s : s.text;
      switch (s.kind) {
        case 'date':
          return s.year === null || s.year === undefined || (s.birthDate && over89(note)) ? '[DATE]' : String(s.year);
        case 'age':
          return '90+';
        case 'zip':
          return `${RESTRICTED.includes(s.text.slice(0, 3)) ? '000' : s.text.slice(0, 3)}XX`;
        default:
          return tags[s.kind]!;
      }
    })
    .join('');
}

/** The day number (UTC) of a date in one of the generator's formats. */
function dayOf(text: string, yearless: number): number {
  const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) ?? undefined;
  if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) / 86_400_000;
  m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text) ?? undefined;
  if (m) return Date.UTC(+m[3]!, +m[1]! - 1, +m[2]!) / 86_400_000;
  m = /^([A-Za-z]+) (\d{1,2})(?:, (\d{4}))?$/.exec(text) ?? undefined;
  if (m) return Date.UTC(m[3] ? +m[3] : yearless, months.indexOf(m[1]!.slice(0, 3).toLowerCase()), +m[2]!) / 86_400_000;
  throw new Error(`not a date of the generator's formats: ${text}`);
}

describe('the shipped notes', () => {
  test('are the deterministic synthetic notes of the committed generator', async () => {
    const generated = generateNotes(SHIPPED.seed, SHIPPED.count);
    expect(await loadNotes()).toEqual(generated.notes);
    expect(truth).toEqual(generated.truth);
    expect(generateNotes(SHIPPED.seed, SHIPPED.count)).toEqual(generated);
    // Every kind of PHI is there, and some ages over 89.
    const kinds = new Set(truth.flatMap((n) => slots(n).filter((s) => s.phi).map((s) => s.kind)));
    expect([...kinds].sort()).toEqual(['address', 'age', 'date', 'email', 'location', 'mrn', 'name', 'organization', 'phone', 'ssn', 'zip']);
  });

  test('identifyPhi finds exactly the known PHI spans, with the NLP library finding names no pattern does', () => {
    let fromNlp = 0;
    for (const [i, note] of (generateNotes().notes).entries()) {
      const spans = findPhi(note.text);
      const expected: Array<{ type: string; text: string; start: number }> = [];
      let at = 0;
      for (const s of truth[i]!.segments) {
        const text = typeof s === 'string' ? s : s.text;
        if (typeof s !== 'string' && s.phi) expected.push({ type: s.kind, text, start: at });
        at += text.length;
      }
      expect(spans.map((s) => ({ type: s.type, text: s.text, start: s.start }))).toEqual(expected);
      fromNlp += spans.filter((s) => s.source === 'nlp').length;
    }
    expect(fromNlp).toBeGreaterThan(20);
  });
});

describe('Healthcare PHI: identifyPhi -> parallel(anonymize, deidentify) -> analytics', () => {
  test('the plan isolates anonymize and deidentify (child processes where MPK is unavailable)', () => {
    const plan = rt.plan(phi.workflow);
    const explain = plan.explain();
    const byName = new Map(plan.tasks().map((t) => [t.name, t]));
    expect([...byName.keys()]).toEqual(['identifyPhi', 'anonymize', 'deidentify', 'analytics']);
    for (const name of ['anonymize', 'deidentify']) {
      const t = byName.get(name)!;
      expect(t.isolation).toBe('domain');
      expect(t.path).toMatch(/^healthcare-phi\/parallel\[[01]\]\//);
      if (plan.machine.mpk.available) {
        expect(t.placement).toBe('domain');
      } else {
        expect(t.placement).toBe('child-process');
        expect(t.reason).toMatch(/MPK is unavailable.*child process/);
      }
    }
    if (!plan.machine.mpk.available) expect(explain).toMatch(/anonymize -> child-process: isolation 'domain' but MPK is unavailable/);
  });

  test('no PHI is left in the de-identified or the anonymized notes, and the analytics counts are right', async () => {
    report = await rt.invoke(phi.workflow, await phi.input());
    console.log(`healthcare-phi: ${phi.summarize(report)}`);
    expect(verifyReport(report, truth)).toEqual([]);
    phi.check(report);
    for (const [i, note] of truth.entries()) {
      for (const s of phiStringsOf(note)) {
        expect(holds(report.deidentified[i]!.text, s), `${note.id}: "${s}" in the de-identified text`).toBe(false);
        expect(holds(report.anonymized[i]!.text, s), `${note.id}: "${s}" in the anonymized text`).toBe(false);
      }
    }
    const want = expectedStats(truth);
    expect(report.stats.notes).toBe(40);
    expect(report.stats.phi.byType).toEqual(want.byType);
    expect(report.stats.phi.total).toBe(want.total);
    expect(report.stats.ageGroups).toEqual(want.ageGroups);
    expect(report.stats.conditions).toEqual(want.conditions);
    expect(report.stats.medications).toEqual(want.medications);
    expect(report.stats.ageGroups['90+']).toBeGreaterThan(0);
  });

  test('de-identification follows Safe Harbor: tags, years only, 90+, three-digit zips', () => {
    for (const [i, note] of truth.entries()) expect(report.deidentified[i]!.text).toBe(expectedDeidentified(note));
    const all = report.deidentified.map((n) => n.text).join('\n');
    expect(all).toMatch(/\b000XX\b/); // a zip prefix with too few people
    expect(all).toMatch(/\b90\+/);
    expect(all).toMatch(/\[NAME\]/);
  });

  test('pseudonyms are consistent within a note: same person, same pseudonym; dates move together', () => {
    for (const [i, note] of truth.entries()) {
      const anonymized = report.anonymized[i]!;
      const source = note.segments.map((s) => (typeof s === 'string' ? escape(s) : s.phi ? '(.+?)' : escape(s.text))).join('');
      const m = new RegExp(`^${source}$`, 's').exec(anonymized.text);
      expect(m, `${note.id}: the anonymized text keeps everything but the PHI`).not.toBeNull();
      const phiSlots = slots(note).filter((s) => s.phi);
      const got = phiSlots.map((slot, k) => ({ slot, value: m![k + 1]! }));

      // People: every mention of one person is the same made-up person; different people differ.
      const people = new Map<string, { first: string; last: string }>();
      for (const { slot, value } of got.filter((g) => g.slot.kind === 'name' && g.slot.form === 'full')) {
        const [first, last, ...rest] = value.split(' ');
        expect(rest).toEqual([]);
        const known = people.get(slot.entity);
        if (known) expect({ first, last }).toEqual(known);
        people.set(slot.entity, { first: first!, last: last! });
      }
      for (const { slot, value } of got.filter((g) => g.slot.kind === 'name' && g.slot.form !== 'full')) {
        const p = people.get(slot.entity);
        if (p) expect(value).toBe(slot.form === 'first' ? p.first : p.last);
      }
      const lasts = new Map<string, string>();
      for (const { slot, value } of got.filter((g) => g.slot.kind === 'name')) {
        const last = value.split(' ').at(-1)!;
        if (slot.form !== 'first') {
          if (lasts.has(slot.entity)) expect(last).toBe(lasts.get(slot.entity));
          lasts.set(slot.entity, last);
        }
      }
      expect(new Set(lasts.values()).size).toBe(lasts.size);

      // Every other entity: one pseudonym per entity (per format, for dates), different entities differ.
      const byEntity = new Map<string, Set<string>>();
      for (const { slot, value } of got) {
        expect(value, `${note.id}: ${slot.kind} kept`).not.toBe(slot.text);
        if (slot.kind === 'name') continue;
        const key = `${slot.kind}/${slot.entity}/${slot.form ?? ''}`;
        byEntity.set(key, (byEntity.get(key) ?? new Set()).add(value));
      }
      for (const [key, values] of byEntity) expect(values.size, `${note.id}: ${key}`).toBe(1);
      const values = [...byEntity].filter(([k]) => !k.startsWith('date/') && !k.startsWith('age/')).map(([, v]) => [...v][0]);
      expect(new Set(values).size).toBe(values.length);

      // Dates: all move by the same number of days (intervals stay true); a birth date over 89 is dropped.
      const dates = got.filter((g) => g.slot.kind === 'date' && !(g.slot.birthDate && over89(note)));
      const year = new Date(Math.max(...dates.filter((d) => d.slot.year).map((d) => dayOf(d.slot.text, 2000))) * 86_400_000).getUTCFullYear();
      const shifts = new Set(dates.filter((d) => d.slot.year).map((d) => dayOf(d.value, year) - dayOf(d.slot.text, year)));
      expect(shifts.size, `${note.id}: date shifts ${[...shifts]}`).toBe(1);
      const shift = [...shifts][0]!;
      expect(shift).not.toBe(0);
      // A date with no year moves as much, give or take the year it may cross.
      for (const d of dates.filter((d) => !d.slot.year)) expect([0, 365, 366]).toContain(Math.abs(dayOf(d.value, year) - dayOf(d.slot.text, year) - shift));
      for (const g of got.filter((g) => g.slot.kind === 'date' && g.slot.birthDate && over89(note))) expect(g.value).toBe('[DATE]');
      for (const g of got.filter((g) => g.slot.kind === 'age')) expect(g.value).toBe('90+');

      expect(anonymized.replaced).toBe(phiSlots.length);
      expect(anonymized.entities).toBe(new Set(phiSlots.map((s) => `${s.kind}/${s.entity}`)).size);
    }
    expect(report.stats.pseudonymizedEntities).toBe(report.anonymized.reduce((a, n) => a + n.entities, 0));
  });

  test('pseudonyms depend on the key: the same key gives the same ones, another key others', () => {
    const note = generateNotes().notes[0]!;
    const identified = { ...note, spans: findPhi(note.text) };
    const a = anonymizeNote(identified, DEMO_PSEUDONYM_KEY);
    expect(anonymizeNote(identified, DEMO_PSEUDONYM_KEY)).toEqual(a);
    expect(a).toEqual(report.anonymized[0]);
    expect(anonymizeNote(identified, 'another-secret-key').text).not.toBe(a.text);
  });

  test('hand-written notes in other shapes: no PHI left, clinical words kept', async () => {
    const notes = [
      {
        id: 'hand-1',
        text:
          'Progress note 3/14/2022. Pt is a 94 yo female seen with her grandson Tobias Reinholt. Mrs. Eleanor Whitcombe reports dizziness since Sunday. ' +
          'Lives alone at 58 Quarry Road, Montpelier, VT 05602. Call back number 802.555.0198 or e-mail e.whitcombe@example.net. Medical record no. 7718203. ' +
          'Plan: hold amlodipine, recheck BP. Whitcombe agrees with plan.',
      },
      {
        id: 'hand-2',
        text:
          'Telephone encounter, 2020-06-02. Spoke with Mr. Desmond Achterberg (DOB 4 June 1958) about his CKD labs. Social security number 512-83-4471 confirmed. ' +
          'Desmond will see Dr. Imogen Vasquez at Harbor Point Medical Center on June 18. Call 312-555-0147 with questions.',
      },
    ];
    const phiStrings = [
      ['3/14/2022', '94', 'Tobias', 'Reinholt', 'Eleanor', 'Whitcombe', '58 Quarry Road', 'Montpelier', '05602', '802.555.0198', 'e.whitcombe@example.net', '7718203'],
      ['2020-06-02', 'Desmond', 'Achterberg', '4 June 1958', '512-83-4471', 'Imogen', 'Vasquez', 'Harbor Point Medical Center', 'June 18', '312-555-0147'],
    ];
    const out = await rt.invoke(phi.workflow, { notes, pseudonymKey: DEMO_PSEUDONYM_KEY });
    for (const [i, strings] of phiStrings.entries()) {
      for (const s of strings) {
        expect(holds(out.deidentified[i]!.text, s), `"${s}" in ${out.deidentified[i]!.text}`).toBe(false);
        expect(holds(out.anonymized[i]!.text, s), `"${s}" in ${out.anonymized[i]!.text}`).toBe(false);
      }
    }
    expect(out.deidentified[0]!.text).toContain('Lives alone at [ADDRESS], [LOCATION], VT 056XX.');
    expect(out.deidentified[0]!.text).toContain('Pt is a 90+ yo female');
    expect(out.deidentified[1]!.text).toContain('(DOB 1958)');
    expect(out.deidentified[1]!.text).toContain('about his CKD labs');
    // The same person keeps one pseudonym: `Mrs. Eleanor Whitcombe` ... `Whitcombe agrees`.
    const anon = out.anonymized[0]!.text;
    const surname = /Mrs\. \w+ (\w+) reports/.exec(anon)?.[1];
    expect(surname).toBeDefined();
    expect(anon).toMatch(new RegExp(`${surname} agrees with plan\\.$`));
    expect(out.stats.medications).toEqual([{ term: 'amlodipine', notes: 1, mentions: 1 }]);
    expect(out.stats.conditions).toEqual([{ term: 'chronic kidney disease', notes: 1, mentions: 1 }]);
    expect(out.stats.ageGroups).toMatchObject({ '90+': 1, unknown: 1 });
  });

  test('a bad request is refused before any note is read', async () => {
    const error = await rt.invoke(phi.workflow, { notes: [], pseudonymKey: 'short' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).stepPath).toBe('healthcare-phi/identifyPhi');
  });
});

describe('function-per-container baseline', () => {
  test('gives the same result, every function in its own container', async () => {
    const baseline = await create({ mode: 'function-per-container' });
    const plan = baseline.plan(phi.workflow);
    expect(plan.tasks().map((t) => t.placement)).toEqual(['container', 'container', 'container', 'container']);
    const out = await baseline.invoke(phi.workflow, await phi.input());
    phi.check(out);
    expect(out).toEqual(report);
  }, 30_000);
});

describe("the benchmark's faastlane mode (the app's runtime options)", () => {
  const machine = (available: boolean): MachineInfo => ({
    vcpus: 16,
    vcpuSource: 'os',
    mpk: available ? { available, reason: 'ok', freeKeys: 14 } : { available, reason: 'CPU lacks PKU (CPUID.7.0:ECX bit 3)', freeKeys: 0 },
  });
  const placements = (available: boolean): string[] =>
    planWorkflow(phi.workflow as never, {
      mode: 'faastlane', machine: machine(available), workerThreads: 4, processes: true, containerCapacity: 0, measurements: new Measurements(), ...phi.runtime,
    }).tasks().map((t) => `${t.name}:${t.placement}`);

  test('with MPK, both domain functions run in domains of the calling process (no hop); without it, in child processes', () => {
    expect(phi.runtime?.domainHosting).toBe('in-process');
    expect(placements(true)).toEqual(['identifyPhi:main-thread', 'anonymize:domain', 'deidentify:domain', 'analytics:main-thread']);
    expect(placements(false)).toEqual(['identifyPhi:main-thread', 'anonymize:child-process', 'deidentify:child-process', 'analytics:main-thread']);
  });

  test('a runtime with those options gives the same result on this machine', async () => {
    const own = await create({ ...phi.runtime });
    const out = await own.invoke(phi.workflow, await phi.input());
    phi.check(out);
    expect(out).toEqual(await rt.invoke(phi.workflow, await phi.input()));
  }, 30_000);
});
