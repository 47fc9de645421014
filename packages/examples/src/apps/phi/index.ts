/** Healthcare PHI: the application (`phi`), its functions, and the pieces the tests check. */
export { phi, phiWorkflow, DEMO_PSEUDONYM_KEY } from './app.js';
export { Analytics } from './analytics.js';
export { IdentifyPhi, PhiInput } from './identify.js';
export { Anonymize, Deidentify } from './protect.js';
export { findPhi } from './detect.js';
export { anonymizeNote, deidentifyNote } from './redact.js';
export { generateNotes, SHIPPED, type NoteTruth, type Segment, type Slot } from './synthetic.js';
export { loadNotes, loadTruth } from './data.js';
export { expectedStats, phiStringsOf, verifyReport, holds } from './verify.js';
export type * from './types.js';
