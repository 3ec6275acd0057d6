import { Entity, Enum, Opt, Property } from '@mikro-orm/core';
import { LEAD_STATUSES, LeadStatus } from '@app/contracts';
import { CrmRecord, ListIndexes, RecordRef } from '../common/record.entity';

@Entity({ schema: 'crm', tableName: 'leads' })
@ListIndexes('leads', ['status', 'assigned_to_id'])
export class Lead extends CrmRecord {
  @Property({ type: 'string', length: 255 })
  name!: string;

  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  company: string | null = null;

  @Property({ type: 'string', length: 50, nullable: true })
  phone: string | null = null;

  @Enum({ items: [...LEAD_STATUSES], columnType: 'varchar(20)', default: 'new' })
  status: LeadStatus & Opt = 'new';

  @RecordRef('User', 'assigned_to_id')
  assignedToId: string | null = null;

  /**
   * What the conversion made, and when (the lead's rolled-up feed follows them from then
   * on). Plain columns, not relations, as migration 20261203000300 has them: a historical
   * fact without a foreign key, which a later deletion of the contact does not undo. As
   * relations they would also close a cycle (a contact names its lead, the lead its
   * contact) that leaves the unit of work's insert order to chance: contacts and
   * opportunities must be inserted after their lead, and an opportunity after its contact.
   */
  @Property({ type: 'uuid', nullable: true })
  convertedContactId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  convertedOpportunityId: string | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  convertedAt: Date | null = null;
}
