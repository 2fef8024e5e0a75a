/**
 * W&B's "Exponential Moving Average" smoothing (the TensorBoard algorithm W&B applies in its charts): a
 * running average with weight `weight` on the past, debiased so the first points are not pulled toward 0.
 * Non-finite values (null here) are passed over: they keep no smoothed value and do not move the average.
 */
export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (value === null || !Number.isFinite(value)) return null;
    last = last * weight + (1 - weight) * value;
    count += 1;
    const debias = weight === 0 ? 1 : 1 - weight ** count;
    return last / debias;
  });
}
