/** `promise`, or a rejection once `ms` have passed (the promise itself is not cancelled). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether `promise` fulfilled within `ms`: false when it rejected or was still pending. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return withTimeout(promise, ms).then(
    () => true,
    () => false,
  );
}
