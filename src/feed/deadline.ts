/**
 * A deadline on a call that may never answer (a Durable Object request, a refresh): its value, or
 * what `late` gives or throws once the time is up.
 * @module
 */

/**
 * `promise`'s value, or what `late` gives (or throws) once `ms` have passed; the timer is this request's own.
 * @example await withDeadline(stub.prepare(entry), 2000, () => { throw new FeedTimeout("late") })
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
