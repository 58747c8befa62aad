/** Least squares of y = intercept + slope · x, with its coefficient of determination (for extrapolating growth). */
export function linearFit(
  xs: readonly number[],
  ys: readonly number[],
): { intercept: number; slope: number; r2: number } {
  const n = xs.length;
  if (n < 2 || ys.length !== n) throw new Error("a linear fit needs at least two points");
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  return { intercept, slope, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}
