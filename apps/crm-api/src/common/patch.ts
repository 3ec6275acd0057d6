/**
 * Applies a PATCH (undefined = leave alone, null = clear) and tells which fields really
 * changed: a save that changes nothing must not bump updated_at nor emit an event.
 */
export function applyChanges<T extends object>(entity: T, changes: { [K in keyof T]?: T[K] }): (keyof T)[] {
  const changed: (keyof T)[] = [];
  for (const key of Object.keys(changes) as (keyof T)[]) {
    const next = changes[key];
    if (next === undefined) continue;
    const current = entity[key];
    const same = current instanceof Date && next instanceof Date ? current.getTime() === next.getTime() : current === next;
    if (!same) {
      entity[key] = next;
      changed.push(key);
    }
  }
  return changed;
}
