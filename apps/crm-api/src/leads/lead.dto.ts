import { LeadStatus, OpportunityStage } from '@app/contracts';
import { z } from 'zod';
import { MoneyInput, OptionalEmail, OptionalText, Ref, RefFilter, RequiredText } from '../common/fields';
import { listQuery } from '../common/pagination';
import { recordView } from '../common/record.entity';
import { RecordViewShape } from '../common/views';
import type { Lead } from './lead.entity';

/** `converted` is a one-way door that only POST /api/leads/{id}/convert/ opens (with its contact and opportunity). */
export const CONVERTED_RULE = 'status converted is reached only through POST /api/leads/{id}/convert/ and is final';

export const CreateLeadDto = z.strictObject({
  name: RequiredText(),
  email: OptionalEmail,
  company: OptionalText(),
  phone: OptionalText(50),
  status: LeadStatus.default('new').refine((s) => s !== 'converted', CONVERTED_RULE),
  assigned_to: Ref,
});
export type CreateLeadDto = z.output<typeof CreateLeadDto>;

export const UpdateLeadDto = z.strictObject({
  name: RequiredText().optional(),
  email: OptionalEmail,
  company: OptionalText(),
  phone: OptionalText(50),
  status: LeadStatus.optional(),
  assigned_to: Ref,
});
export type UpdateLeadDto = z.output<typeof UpdateLeadDto>;

export const LeadListQuery = listQuery({ status: LeadStatus.optional(), assigned_to: RefFilter });
export type LeadListQuery = z.output<typeof LeadListQuery>;

/** The opportunity a conversion opens; the contact is copied from the lead. */
export const ConvertLeadDto = z.strictObject({
  opportunity: z.strictObject({
    name: RequiredText(),
    amount: MoneyInput,
    stage: OpportunityStage.default('qualification'),
    owner: z.uuid({ message: 'must be a UUID' }).optional().describe('a user id; default: the caller'),
  }),
});
export type ConvertLeadDto = z.output<typeof ConvertLeadDto>;

export const LeadView = z.object({
  ...RecordViewShape,
  name: z.string(),
  email: z.string().nullable(),
  company: z.string().nullable(),
  phone: z.string().nullable(),
  status: LeadStatus,
  assigned_to: z.uuid().nullable(),
});

export function toLeadView(l: Lead): z.infer<typeof LeadView> {
  return {
    ...recordView(l),
    name: l.name,
    email: l.email,
    company: l.company,
    phone: l.phone,
    status: l.status,
    assigned_to: l.assignedToId,
  };
}
