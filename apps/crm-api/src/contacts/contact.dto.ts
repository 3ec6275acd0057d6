import { z } from 'zod';
import { OptionalEmail, OptionalText, Ref, RefFilter, RequiredText } from '../common/fields';
import { listQuery } from '../common/pagination';
import { recordView } from '../common/record.entity';
import { RecordViewShape } from '../common/views';
import type { Contact } from './contact.entity';

export const CreateContactDto = z.strictObject({
  name: RequiredText(),
  email: OptionalEmail,
  phone: OptionalText(50),
  company: OptionalText(),
  lead: Ref,
});
export type CreateContactDto = z.output<typeof CreateContactDto>;

export const UpdateContactDto = CreateContactDto.partial();
export type UpdateContactDto = z.output<typeof UpdateContactDto>;

export const ContactListQuery = listQuery({ lead: RefFilter });
export type ContactListQuery = z.output<typeof ContactListQuery>;

export const ContactView = z.object({
  ...RecordViewShape,
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  company: z.string().nullable(),
  lead: z.uuid().nullable(),
});

export function toContactView(c: Contact): z.infer<typeof ContactView> {
  return { ...recordView(c), name: c.name, email: c.email, phone: c.phone, company: c.company, lead: c.leadId };
}
