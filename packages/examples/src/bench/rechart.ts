/** Redraws bench/results/chart.svg from bench/results/latest.json (no benchmark run). */
import { readFileSync, writeFileSync } from 'node:fs';
import { benchChart, type BenchResults } from './report-chart.js';

const results = new URL('../../../../bench/results/', import.meta.url);
const latest = JSON.parse(readFileSync(new URL('latest.json', results), 'utf8')) as BenchResults;
writeFileSync(new URL('chart.svg', results), benchChart(latest));
console.log('bench/results/chart.svg redrawn');
