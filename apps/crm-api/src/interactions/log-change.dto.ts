import { LogType } from '@app/contracts';
import { z } from 'zod';
import { RequiredText } from '../common/fields';
import { InteractionLogView } from '../feed/feed.view';

/**
 * A correction of a manual log: its text, its type, or both (the rules of
 * log_interaction's body). Strict: the time, the records it is on and its author are not
 * changed by an edit (a wrong record is fixed by deleting the log and logging it again).
 */
export const EditLogDto = z
  .strictObject({
    type: LogType.optional(),
    summary: RequiredText(10000).optional(),
  })
  .refine((d) => d.type !== undefined || d.summary !== undefined, 'give summary, type or both');
export type EditLogDto = z.output<typeof EditLogDto>;

/** The 202 answer to an edit: the log as the feed will serve it once a logger applied the edit. */
export const PendingEditView = InteractionLogView.extend({ status: z.literal('pending') });
export type PendingEditView = z.infer<typeof PendingEditView>;
