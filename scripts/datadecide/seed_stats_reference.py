"""Reference mean_eval / std_eval values computed with real pandas, the way datadec does it
(df_utils.create_mean_std_df): groupby(params, data, step, tokens, compute) over the numeric columns minus
the ids, .mean() and .std() (sample std, NaN for one value).

Run by scripts/datadecide/generate-examples.ts (pandas has no Parquet engine here, so CSV in and out,
floats written with 17 significant digits so they round-trip exactly). Never needed by tests or CI.

    python3 seed_stats_reference.py <full_eval.csv> <mean_eval.csv> <std_eval.csv>
"""
import sys

import pandas as pd

ID_COLS = ["params", "data", "seed", "step", "tokens", "compute"]
GROUP_COLS = ["params", "data", "step", "tokens", "compute"]


def main(src: str, mean_out: str, std_out: str) -> None:
    df = pd.read_csv(src, float_precision="round_trip")
    numeric = [c for c in df.select_dtypes("number").columns if c not in ID_COLS]
    grouped = df.groupby(GROUP_COLS)[numeric]
    grouped.mean().reset_index().to_csv(mean_out, index=False, float_format="%.17g")
    grouped.std().reset_index().to_csv(std_out, index=False, float_format="%.17g")
    print(f"pandas {pd.__version__}: {len(df)} rows, {len(numeric)} numeric columns -> {mean_out}, {std_out}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
