import { Entity, Property } from '@mikro-orm/core';
import { CrmRecord, ListIndexes, RecordRef } from '../common/record.entity';

@Entity({ schema: 'crm', tableName: 'contacts' })
@ListIndexes('contacts', ['lead_id'])
export class Contact extends CrmRecord {
  @Property({ type: 'string', length: 255 })
  name!: string;

  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  @Property({ type: 'string', length: 50, nullable: true })
  phone: string | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  company: string | null = null;

  /** The lead this contact came from (set by a conversion, or by hand). */
  @RecordRef('Lead', 'lead_id')
  leadId: string | null = null;
}
