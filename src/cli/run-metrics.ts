// The run metrics (#31.5): each job's ticks by outcome, their durations, the last success and the last outcome,
// and whether the job is suspended — what an SRE alerts on (contrib/prometheus/alerts.yaml).
import type { Registry } from 'prom-client';
import type { RunOutcome } from '../schedule/runs.js';

const OUTCOMES: readonly RunOutcome['outcome'][] = [
  'success',
  'failure',
  'timed-out',
  'replaced',
  'fenced',
  'skipped',
  'missed',
  'suspended',
];

/** Registers the run series on `registry`; `byJob` are the per-job label names. */
export function runMetrics(prom: typeof import('prom-client'), registry: Registry, byJob: string[]) {
  const gauge = (name: string, help: string) =>
    new prom.Gauge({ name, help, labelNames: byJob, registers: [registry] });
  const total = new prom.Counter({
    name: 'zk_supervisor_runs_total',
    help: 'scheduled runs (ticks) by how they ended (success, failure, timed-out, missed, suspended, …)',
    labelNames: [...byJob, 'outcome'],
    registers: [registry],
  });
  const duration = new prom.Histogram({
    name: 'zk_supervisor_run_duration_seconds',
    help: 'how long each scheduled run took (those that started)',
    labelNames: byJob,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200],
    registers: [registry],
  });
  const lastSuccess = gauge(
    'zk_supervisor_last_success_timestamp_seconds',
    'when the last successful run ended (unix)'
  );
  const last = new prom.Gauge({
    name: 'zk_supervisor_last_run_outcome',
    help: '1 for how the last scheduled run ended, 0 for the other outcomes',
    labelNames: [...byJob, 'outcome'],
    registers: [registry],
  });
  const suspended = gauge('zk_supervisor_suspended', '1 while the job is suspended (zk-supervisor suspend)');
  return {
    /** Counts a job's tick: by outcome, its duration, the last success and the last outcome. */
    count(labels: Record<string, string>, run: RunOutcome): void {
      total.inc({ ...labels, outcome: run.outcome });
      if (run.durationMs !== undefined) duration.observe(labels, run.durationMs / 1000);
      if (run.outcome === 'success') lastSuccess.set(labels, Date.now() / 1000);
      for (const o of OUTCOMES) last.set({ ...labels, outcome: o }, o === run.outcome ? 1 : 0);
    },
    suspended(labels: Record<string, string>, on: boolean): void {
      suspended.set(labels, on ? 1 : 0);
    },
    /** A removed job's series. */
    remove(labels: Record<string, string>): void {
      for (const g of [duration, lastSuccess, suspended]) g.remove(labels);
      for (const outcome of OUTCOMES) for (const g of [total, last]) g.remove({ ...labels, outcome });
    },
  };
}
