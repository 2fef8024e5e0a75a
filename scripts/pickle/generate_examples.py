#!/usr/bin/env python3
"""Writes examples/pickles/: dr_showntell pickles with the real structure (upstream-sources.md §4).

Run offline with Debian's python3-pandas (pandas 1.5): /usr/bin/python3 scripts/pickle/generate_examples.py
The run ids are the real ones of examples/wandb/wandb_runs_sample.parquet and the matched checkpoints exist
in examples/datadecide/pretrain_metrics_sample.parquet (530M/Dolma1.7/6250, 150M/C4/max step, 4M/Dolma1.7/5000);
metric values are synthetic. The real combined_plotting_data_matched.pkl has ~920 columns; this one keeps
every column family (base, ft lists, ft evals, pt curves, pt values, deltas, matched groups, group stats)
with a few tasks each.
"""
import os
import pickle

import numpy as np
import pandas as pd

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'examples', 'pickles')
rng = np.random.default_rng(20250912)

RUNS = [
    dict(run_id='2025_08_21-08_24_43_test_finetune_DD-dolma1_7-4M_main_1Mtx1_--learning_rate=5e-07',
         _run_type='simple_ft_vary_tokens', pattern_name='FT1', exp_name='test_finetune',
         initial_checkpoint_recipe='Dolma1.7', initial_checkpoint_size='4M', initial_checkpoint_steps='main',
         num_finetune_tokens_per_epoch=1e6, num_finetune_epochs=1, lr='5e-07',
         timestamp=pd.Timestamp('2025-08-21 08:24:43')),
    dict(run_id='2025_08_27-07_52_26_test_dpo_tune_cache_dd__dolma1_7-4M__main__100Mt_lr=5e-06_default_--learning_rate=2e-07',
         _run_type='dpo', pattern_name='DPO1', exp_name='test_dpo_tune_cache', initial_checkpoint_recipe='Dolma1.7',
         initial_checkpoint_size='4M', initial_checkpoint_steps='main', num_finetune_tokens_per_epoch=1e14,
         num_finetune_epochs=1, lr1='5e-06', lr2='2e-07', timestamp=pd.Timestamp('2025-08-27 07:52:26')),
    dict(run_id='2025_08_30-16_54_48_test_finetune_DD-dolma1_7-4M_Ft_--learning_rate=5e-05',
         _run_type='simple_ft', pattern_name='FT4', exp_name='test_finetune', initial_checkpoint_recipe='Dolma1.7',
         initial_checkpoint_size='4M', initial_checkpoint_steps='main', num_finetune_tokens_per_epoch=665127434.0,
         num_finetune_epochs=2, lr='5e-05', timestamp=pd.Timestamp('2025-08-30 16:54:48')),
    dict(run_id='250901-155734_test_finetune_DD-dclm-baseline-150M_Ft_learning_rate=5e-05',
         _run_type='simple_ft', pattern_name='FT5', exp_name='test_finetune',
         initial_checkpoint_recipe='DCLM-Baseline', initial_checkpoint_size='150M', initial_checkpoint_steps='main',
         num_finetune_tokens_per_epoch=665127434.0, num_finetune_epochs=2, lr='5e-05',
         timestamp=pd.Timestamp('2025-09-01 15:57:34')),
    dict(run_id='250912-172812_match_150M_c4_finetune_100Mtx1_DD-d17-530M-6250-2',
         _run_type='matched', pattern_name='MATCHED3', exp_name='match', initial_checkpoint_recipe='Dolma1.7',
         initial_checkpoint_size='530M', initial_checkpoint_steps='6250', seed='2', num_finetune_tokens_per_epoch=1e8,
         num_finetune_epochs=1, comparison_model_size='150M', comparison_metric='c4_en-valppl',
         comparison_model_recipe='Dolma1.7', timestamp=pd.Timestamp('2025-09-12 17:28:12')),
]


def modernized():
    processed = []
    for r in RUNS:
        rec = dict(r)
        rec['num_finetune_tokens'] = rec['num_finetune_tokens_per_epoch'] * rec['num_finetune_epochs']
        rec['num_finetuned_tokens_real'] = float(rec['num_finetune_tokens'] * rng.uniform(0.97, 1.0))
        rec['abs_difference_ft_tokens_pct'] = abs(rec['num_finetune_tokens'] - rec['num_finetuned_tokens_real']) \
            / rec['num_finetune_tokens'] * 100
        rec.setdefault('seed', '42' if rec['_run_type'] != 'dpo' else float('nan'))
        processed.append(rec)
    by_type = {}
    for rec in processed:
        by_type.setdefault(rec['_run_type'], []).append(rec)
    frames = {t: pd.DataFrame([{k: v for k, v in rec.items()} for rec in recs]) for t, recs in by_type.items()}
    grouped = {'old': []}
    for rec in sorted(processed, key=lambda r: r['run_id']):
        groups = {k: str(rec[k]) for k in ('exp_name', 'initial_checkpoint_size', 'initial_checkpoint_steps')}
        grouped.setdefault(rec['_run_type'], []).append({**groups, 'pattern_name': rec['pattern_name'],
                                                          'run_id': rec['run_id']})
    grouped['other'] = []
    # row.to_dict() of the processed frames: every record carries every column of its frame (NaN when unset)
    processed_runs = []
    for t, df in frames.items():
        for row in df.to_dict('records'):
            processed_runs.append(row)
    return {
        'processed_runs': processed_runs,
        'grouped_data': grouped,
        'processed_dataframes': frames,
        'metadata': {'total_runs': 6, 'classified_runs': len(processed_runs),
                     'run_types': sorted(frames), 'extraction_timestamp': '20250915_101500'},
    }


TASKS = ['arc_easy', 'hellaswag', 'piqa', 'boolq']
METRICS = ['acc_raw', 'acc_per_char', 'correct_prob']
PPL = ['c4_en-valppl', 'pile-valppl', 'dolma_books-valppl']
STEPS = [0, 1250, 2500, 3750, 5000, 6250, 7500, 8750, 10000]


def matched():
    rows = [
        dict(run_id='250912-172812_match_150M_c4_finetune_100Mtx1_DD-d17-530M-6250-2',
             timestamp=pd.Timestamp('2025-09-12 17:28:12'), comparison_model_size='150M',
             comparison_metric='c4_en-valppl', ckpt_data='Dolma1.7', ckpt_params='530M', ckpt_steps='6250', seed='2'),
        dict(run_id='250913-091500_match_150M_c4_finetune_100Mtx1_DD-c4-150M-main-0',
             timestamp=pd.Timestamp('2025-09-13 09:15:00'), comparison_model_size='150M',
             comparison_metric='c4_en-valppl', ckpt_data='C4', ckpt_params='150M', ckpt_steps=10000.0, seed='0'),
        dict(run_id='250914-120000_match_4M_pile_finetune_100Mtx1_DD-d17-4M-5000-1',
             timestamp=pd.Timestamp('2025-09-14 12:00:00'), comparison_model_size='4M',
             comparison_metric='pile-valppl', ckpt_data='Dolma1.7', ckpt_params='4M', ckpt_steps='5000', seed='1'),
    ]
    for r in rows:
        n = int(rng.integers(5, 9))
        r.update(ft_tok_per_epoch=1e8, ft_epochs=1, comparison_model_recipe='Dolma1.7', ft_tok=1e8)
        steps = list(range(1, n + 1))
        toks = [float(s * 1e8 / n) for s in steps]
        r['ft_tok_real'] = toks[-1]
        r['abs_difference_ft_tokens_pct'] = abs(r['ft_tok'] - r['ft_tok_real']) / r['ft_tok'] * 100
        r['ft_steps_list'] = steps
        r['ft_lrs_list'] = [float(5e-5 * (1 - s / (n + 1))) for s in steps]
        r['ft_toks_list'] = toks
        r['ft_loss_list'] = [float(3.0 - 0.1 * s + rng.normal(0, 0.01)) for s in steps]
        for t in TASKS:
            for m in METRICS:
                r[f'ft_{t}_{m}'] = float(rng.uniform(0.2, 0.8))
        for t in TASKS:
            for m in METRICS:
                curve = [float(rng.uniform(0.2, 0.7)) for _ in STEPS]
                if t == 'boolq' and m == 'correct_prob':
                    curve = curve[:-2]  # NaNs dropped upstream: lists differ in length
                r[f'pt_{t}_{m}_list'] = curve
                r[f'pt_{t}_{m}'] = curve[-1] if curve else None
        for p in PPL:
            r[f'pt_{p}_list'] = [float(50 / (1 + s / 1000)) for s in STEPS]
            r[f'pt_{p}'] = float(50 / (1 + 6250 / 1000))
        r['pt_step_list'] = [float(s) for s in STEPS]
        r['pt_tokens_list'] = [float(s * 917504) for s in STEPS]
        r['pt_compute_list'] = [float(s * 3.1e15) for s in STEPS]
        r['pt_cumulative_lr_list'] = [float(s * 1e-3) for s in STEPS]
        r['pt_step'] = float(r['ckpt_steps'])
        r['pt_tokens'] = float(r['ckpt_steps']) * 917504
        r['pt_compute'] = float(r['ckpt_steps']) * 3.1e15
        r['pt_cumulative_lr'] = float(r['ckpt_steps']) * 1e-3
        r['pt_ft_toks'] = r['pt_tokens'] + r['ft_tok']
        for t in TASKS[:3]:
            r[f'delta_{t}_correct_prob'] = r[f'ft_{t}_correct_prob'] - r[f'pt_{t}_correct_prob']
        r['delta_piqa_acc_uncond'] = float('nan')
    df = pd.DataFrame(rows)
    df['matched_group_name'] = df['comparison_model_size'] + '_' + df['comparison_metric'] + '_Dolma1.7'
    df['matched_group_id'] = df.groupby('matched_group_name')['pt_c4_en-valppl'].transform('median').rank(method='dense')
    df['matched_group_med_metric'] = df.groupby('matched_group_name')['pt_c4_en-valppl'].transform('median')
    df['matched_group_avg_metric'] = df.groupby('matched_group_name')['pt_c4_en-valppl'].transform('mean')
    for col in [c for c in df.columns if c.startswith('delta_')]:
        g = df.groupby('matched_group_name')[col]
        df[f'group_avg_{col}'] = g.transform('mean')
        df[f'group_med_{col}'] = g.transform('median')
        std = g.transform('std')
        # a group of one row has no std: upstream this column ends up object with None
        df[f'group_std_{col}'] = std.astype(object).where(std.notna(), None)
        df[f'group_mad_{col}'] = g.transform(lambda s: (s - s.median()).abs().median())
    df['timestamp'] = pd.to_datetime(df['timestamp'])
    return df


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, '20250915_101500_modernized_run_data.pkl'), 'wb') as f:
        pickle.dump(modernized(), f)  # plain pickle.dump, DEFAULT_PROTOCOL (4), as upstream
    df = matched()
    df.to_pickle(os.path.join(OUT, 'combined_plotting_data_matched.pkl'))  # protocol 5 (HIGHEST_PROTOCOL)
    print(f'wrote {os.path.normpath(OUT)}: matched frame {df.shape}')


if __name__ == '__main__':
    main()
