/** How long `work` took to settle, and how it settled: for tests that say "fails fast". */
export async function elapsed<T>(work: Promise<T>): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const t0 = performance.now();
  const [result] = await Promise.allSettled([work]);
  return { ms: performance.now() - t0, result: result! };
}
