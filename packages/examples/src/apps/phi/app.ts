/**
 * Healthcare PHI, the paper's application: find the protected health information in clinical notes,
 * then anonymize and de-identify them in parallel, each in a protection domain of its own, then compute
 * statistics over the de-identified notes.
 *
 *   identifyPhi ─┬─ anonymize  (isolation: domain) ─┬─ analytics
 *                └─ deidentify (isolation: domain) ─┘
 */
import { parallel, task, workflow } from '@faastlane/dsl';
import type { App } from '../app.js';
import { Analytics } from './analytics.js';
import { loadNotes, loadTruth } from './data.js';
import { IdentifyPhi, type PhiInput } from './identify.js';
import { Anonymize, Deidentify } from './protect.js';
import type { PhiReport } from './types.js';
import { verifyReport } from './verify.js';

export const phiWorkflow = workflow('healthcare-phi').pipe(
  task(IdentifyPhi),
  parallel(task(Anonymize), task(Deidentify)),
  task(Analytics),
);

/** The key of the demo's pseudonyms. A deployment keeps its own secret. */
export const DEMO_PSEUDONYM_KEY = 'faastlane-demo-pseudonym-key';

/** The application, for the demo and the benchmark. */
export const phi: App<PhiInput, PhiReport> = {
  name: 'healthcare-phi',
  description: 'finds PHI in 40 synthetic clinical notes (compromise NLP + patterns), anonymizes and de-identifies them in parallel isolated domains, then computes statistics',
  workflow: phiWorkflow,
  // The paper's configuration: both domains in the application's process, where the notes pass by
  // reference. Its functions are trusted code that touches only its own input, so the supervised
  // domain host's guard against a stray access (a process hop per call) buys nothing here. Where MPK
  // is unavailable this changes nothing: domain functions then run in child processes either way.
  runtime: { domainHosting: 'in-process' },
  async input() {
    return { notes: await loadNotes(), pseudonymKey: DEMO_PSEUDONYM_KEY };
  },
  summarize(out) {
    const { stats } = out;
    const types = Object.entries(stats.phi.byType)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ');
    const top = (xs: readonly { term: string; notes: number }[]): string => xs.slice(0, 3).map((x) => `${x.term} (${x.notes})`).join(', ');
    return `${stats.notes} notes, ${stats.phi.total} PHI spans removed (${types}); ${stats.pseudonymizedEntities} entities pseudonymized; top conditions ${top(stats.conditions)}; top medications ${top(stats.medications)}`;
  },
  check(out) {
    const problems = verifyReport(out, loadTruth());
    if (problems.length > 0) throw new Error(`healthcare-phi: ${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`);
  },
};

