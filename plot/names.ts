/** The charts of `mlduck plot`, known without loading them (plot/charts/index.ts checks it matches). */
export const CHART_NAMES = ['curves', 'finetune-vs-pretrain', 'history', 'qa', 'sql'] as const;

/** The marks of the `sql` chart. */
export const MARKS = ['line', 'point', 'bar', 'area'] as const;
