/**
 * `pnpm bench` (add `--quick` for a short run; `--only=overhead|domains|hops|fanout|apps` reruns one section and
 * keeps the others from the last results). Every comparison is against a baseline measured in the
 * same run, so that a busy machine slows both sides alike. Tables go to stdout, a progress bar to
 * stderr, results to bench/results/latest.json and a chart to bench/results/chart.svg.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { apps } from '../apps/index.js';
import { DEFAULT_WARM_MS, QUICK_WARM_MS, runAppBothModes, type AppResult } from './apps.js';
import { benchDomains, type DomainCostResult } from './domains.js';
import { runFanoutBothModes, type FanoutResult } from './fanout.js';
import { benchHandoff, type HandoffRow } from './handoff.js';
import { benchHops, type HopResult } from './hops.js';
import { benchOverhead, type OverheadResult } from './overhead.js';
import { Progress } from './progress.js';
import { benchChart } from './report-chart.js';
import { BOTH_MODES_PROGRESS_STEPS } from './turns.js';
import { printApps, printDomains, printFanout, printHandoff, printHops, printOverhead } from './tables.js';

/** Where and when a section was measured. */
interface Stamp {
  machine: string;
  quick: boolean;
  at: string;
}

interface Results extends Stamp {
  /** Per section, when `--only` kept it from an earlier run: that run's stamp (absent: this run's). */
  kept?: Partial<Record<Section, Stamp>>;
  overhead?: OverheadResult;
  handoff?: HandoffRow[];
  domains?: DomainCostResult;
  hops: HopResult[];
  fanout: FanoutResult[];
  apps: AppResult[];
}

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const sections = ['overhead', 'domains', 'hops', 'fanout', 'apps'] as const;
type Section = (typeof sections)[number];
if (only !== undefined && !(sections as readonly string[]).includes(only)) throw new Error(`--only takes one of ${sections.join(', ')}`);
const run = (section: Section): boolean => only === undefined || only === section;

const resultsDir = new URL('../../../../bench/results/', import.meta.url);
const machine = `Node ${process.version}, ${availableParallelism()} vCPU(s), ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
const now: Stamp = { machine, quick, at: new Date().toISOString() };
const results: Results = only ? keptFrom(JSON.parse(readFileSync(new URL('latest.json', resultsDir), 'utf8')) as Results) : { ...now, hops: [], fanout: [], apps: [] };

/** The last results with this run's stamp, each other section keeping the stamp of the run that measured it. */
function keptFrom(last: Results): Results {
  const kept: Partial<Record<Section, Stamp>> = {};
  for (const section of sections) {
    if (section !== only) kept[section] = last.kept?.[section] ?? { machine: last.machine, quick: last.quick, at: last.at };
  }
  return { ...last, ...now, kept };
}

const widths = [5, 100, 200];
const modes = ['faastlane', 'function-per-container'] as const;
const reps = quick ? 5 : 20;
const bar = new Progress((run('overhead') ? 2 : 0) + (run('domains') ? 1 : 0) + (run('hops') ? 3 * 5 : 0) + (run('fanout') ? widths.length * BOTH_MODES_PROGRESS_STEPS : 0) + (run('apps') ? apps.length * BOTH_MODES_PROGRESS_STEPS : 0));
const progress = (what: string): void => bar.step(what);

console.log(`Faastlane benchmark${quick ? ' (quick)' : ''}${only ? ` (${only} only)` : ''}: ${machine}\n`);

if (run('overhead')) {
  progress('runtime overhead');
  results.overhead = await benchOverhead(quick ? { rounds: 5, iterations: 2_000 } : { rounds: 15, iterations: 10_000 });
  progress('hand-off after a long function');
  results.handoff = await benchHandoff({ rounds: quick ? 10 : 40 });
}
if (run('domains')) {
  progress('isolation cost');
  results.domains = await benchDomains(quick ? { reps: 5, iterations: 20_000 } : { reps: 15, iterations: 200_000 });
}
if (run('hops')) results.hops = await benchHops({ reps, progress });
if (run('fanout')) {
  results.fanout = [];
  for (const width of widths) results.fanout.push(...(await runFanoutBothModes(width, modes, reps, progress)));
}
if (run('apps')) {
  results.apps = [];
  for (const app of apps) results.apps.push(...(await runAppBothModes(app.name, modes, reps, quick ? QUICK_WARM_MS : DEFAULT_WARM_MS, progress)));
}

if (results.overhead) printOverhead(results.overhead);
if (results.handoff) printHandoff(results.handoff);
if (results.domains) printDomains(results.domains);
printHops(results.hops);
printFanout(results.fanout);
printApps(results.apps);
for (const [section, stamp] of Object.entries(results.kept ?? {})) {
  console.log(`(${section}: kept from the run of ${stamp.at}${stamp.quick ? ', quick' : ''}, on ${stamp.machine})`);
}
bar.finish();

mkdirSync(resultsDir, { recursive: true });
writeFileSync(new URL('latest.json', resultsDir), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(new URL('chart.svg', resultsDir), benchChart(results));
console.log('Results: bench/results/latest.json, chart: bench/results/chart.svg');
