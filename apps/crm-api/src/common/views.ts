import { z } from 'zod';

/** The fields every record answers, as documented in the OpenAPI description. */
export const RecordViewShape = {
  id: z.uuid(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  created_by: z.uuid().nullable(),
};

export const MoneyView = z
  .string()
  .regex(/^\d{1,13}\.\d{2}$/)
  .describe('decimal string with two places, e.g. "50000.00"');
