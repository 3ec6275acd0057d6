import { z } from 'zod';

/**
 * Reads one app's configuration from the environment, once, and fails fast with a
 * message naming every bad or missing variable. Nothing else reads process.env.
 */
export function loadEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${String(i.path[0] ?? '?')}: ${i.message}`);
  throw new Error(`Invalid configuration: ${problems.join('; ')}`);
}

/** An integer variable with a default, parsed from its text. */
export const intVar = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);

export const urlVar = (def: string, protocols: string[]) =>
  z
    .string()
    .default(def)
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.join(' or ')}//`,
    );
