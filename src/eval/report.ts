/** Fixed-width text tables of EC57 results, for `vigil eval`. */
import type { BxbResult } from './bxb.ts';
import { pacedStats, type BxbAggregate } from './stats.ts';
import { PPV_EXCLUSIONS, type EpisodeAggregate } from './epicmp.ts';
import { VT_MIN_BEATS, VT_MIN_RATE_BPM, type AlarmAggregate } from './alarms.ts';
import type { RunScore, RunStat } from './rxr.ts';

/** Percentage with 2 decimals, '-' for an undefined figure (as bxb prints). */
export function pct(v: number | null): string {
  return v === null ? '-' : (100 * v).toFixed(2);
}

const NUM_W = 7;
const PCT_W = 8;

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ').trimEnd();
}

/**
 * Per-record lines, then Gross and Average. VEB/SVEB columns only when `classes`; paced
 * records are starred and a footnote says they are left out of the classification aggregates.
 */
export function formatBxbTable(results: readonly BxbResult[], agg: BxbAggregate, classes: boolean): string {
  const nameW = Math.max(7, ...results.map((r) => r.record.length + 1));
  const head = ['Record', 'Beats', 'TP', 'FN', 'FP', 'Se%', '+P%'];
  const widths = [nameW, NUM_W, NUM_W, NUM_W, NUM_W, PCT_W, PCT_W];
  if (classes) {
    head.push('VEB Se', 'VEB +P', 'VEB FPR', 'SVEB Se', 'SVEB +P');
    widths.push(PCT_W, PCT_W, PCT_W, PCT_W, PCT_W);
  }
  const paced = new Set(agg.pacedExcluded);
  const lines = [row(head, widths)];
  for (const r of results) {
    const cells = [paced.has(r.record) ? `${r.record}*` : r.record, String(r.refBeats), String(r.qrs.tp), String(r.qrs.fn), String(r.qrs.fp), pct(r.qrs.se), pct(r.qrs.ppv)];
    if (classes) cells.push(pct(r.veb.se), pct(r.veb.ppv), pct(r.veb.fpr), pct(r.sveb.se), pct(r.sveb.ppv));
    lines.push(row(cells, widths));
  }
  const g = agg.gross;
  const gross = ['Gross', String(g.qrs.tp + g.qrs.fn), String(g.qrs.tp), String(g.qrs.fn), String(g.qrs.fp), pct(g.qrs.se), pct(g.qrs.ppv)];
  if (classes) gross.push(pct(g.veb.se), pct(g.veb.ppv), pct(g.veb.fpr), pct(g.sveb.se), pct(g.sveb.ppv));
  const a = agg.average;
  const avg = ['Average', '', '', '', '', pct(a.qrs.se), pct(a.qrs.ppv)];
  if (classes) avg.push(pct(a.veb.se), pct(a.veb.ppv), pct(a.veb.fpr), pct(a.sveb.se), pct(a.sveb.ppv));
  lines.push('-'.repeat(lines[0]!.length), row(gross, widths), row(avg, widths));
  if (classes && agg.pacedExcluded.length > 0) {
    lines.push('', `* paced record: left out of the VEB/SVEB gross and average figures (EC57). Paced beats`);
    lines.push(`  (reference /, f, Q against test calls of AAMI class Q, which paced '/' calls are; 'vigil analyze --paced'):`);
    for (const r of results) {
      if (!paced.has(r.record)) continue;
      const p = pacedStats(r.matrix);
      lines.push(`  ${r.record}: Se ${pct(p.se)} % (${p.tp} of ${p.tp + p.fn}), +P ${pct(p.ppv)} % (${p.fp} other beats called paced)`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Episode statistics per rhythm label (gross over records), epicmp style. */
export function formatEpisodeTable(aggs: readonly EpisodeAggregate[]): string {
  const widths = [8, 6, 9, 6, 8, PCT_W, PCT_W, PCT_W, PCT_W];
  const lines = ['', 'Rhythm episodes (gross; a reference episode is detected when a test episode overlaps it):', row(['Rhythm', 'Ref', 'Detected', 'Test', 'True', 'Se%', '+P%', 'DurSe%', 'Dur+P%'], widths)];
  for (const a of aggs) {
    const g = a.gross;
    if (g.refEpisodes === 0 && g.testEpisodes === 0) continue;
    lines.push(row([g.label, String(g.refEpisodes), String(g.refDetected), String(g.testEpisodes), String(g.testTrue), pct(g.se), pct(g.ppv), pct(g.durationSe), pct(g.durationPpv)], widths));
  }
  for (const a of aggs) {
    const g = a.gross;
    const x = PPV_EXCLUSIONS[g.label];
    if (x === undefined || (g.testExcluded === 0 && g.excludedS === 0)) continue;
    lines.push(`${g.label} +P leaves out reference ${x} (--exclude-afl: EC38:1998, epicmp -x; EC57 does not): ${g.testExcluded} test episode(s) wholly inside it not counted, ${g.excludedS.toFixed(1)} s of test ${g.label} time left out.`);
  }
  return lines.join('\n') + '\n';
}

/** High-priority alarms, true and false, with false alarms per hour. */
export function formatAlarmTable(aggs: readonly AlarmAggregate[]): string {
  const widths = [10, 7, 7, 9, 26, 18, 18];
  const lines = [
    '',
    'High-priority alarms (NOTE "ALARM x" annotations against the reference rhythms; episodes alarmed: VTach counts',
    `reference "(VT" episodes of >= ${VT_MIN_BEATS} V beats, and apart those whose V beats run at >= ${VT_MIN_RATE_BPM}/min, the alarm's rate):`,
    row(['Alarm', 'Total', 'False', 'False/h', 'False/h w/o rhythm', 'Episodes alarmed', `at >= ${VT_MIN_RATE_BPM}/min`], widths),
  ];
  const f = (v: number | null): string => (v === null ? '-' : v.toFixed(3));
  for (const a of aggs) {
    const w = a.withoutRhythm;
    const fast = a.condition === 'vtach' ? `${a.fastEpisodesAlarmed}/${a.fastEpisodes}` : '';
    lines.push(row([a.condition, String(a.total), String(a.falseAlarms), f(a.falsePerHour), `${f(w.falsePerHour)} (${w.falseAlarms} in ${w.hours.toFixed(1)} h)`, `${a.episodesAlarmed}/${a.episodes}`, fast], widths));
  }
  return lines.join('\n') + '\n';
}

/** Run-by-run statistics (gross), rxr style: couplets, short runs (3-5) and long runs (6+), VE and SVE. */
export function formatRunTable(ve: RunScore, sve: RunScore, records: number, pacedLeftOut: readonly string[]): string {
  const widths = [12, 10, 10, 10, 10, 10, 10];
  const frac = (a: number, b: number): string => `${a}/${b}`;
  const cells = (s: RunStat): string[] => [frac(s.tpSe, s.tpSe + s.fn), pct(s.se), frac(s.tpPpv, s.tpPpv + s.fp), pct(s.ppv)];
  const lines = [
    '',
    `Ectopic runs, run by run (gross over ${records} record(s)${pacedLeftOut.length > 0 ? `; paced ${pacedLeftOut.join(' ')} left out` : ''}; a run matches the longest run of the other file within 150 ms of it):`,
    row(['Runs', 'Se', 'Se%', '+P', '+P%'], widths),
  ];
  for (const [name, score] of [['VE', ve], ['SVE', sve]] as const) {
    lines.push(row([`${name} couplet`, ...cells(score.couplet)], widths));
    lines.push(row([`${name} short`, ...cells(score.short)], widths));
    lines.push(row([`${name} long`, ...cells(score.long)], widths));
  }
  return lines.join('\n') + '\n';
}

