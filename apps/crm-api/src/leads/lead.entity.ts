import { Entity, Enum, ManyToOne, Opt, Property } from '@mikro-orm/core';
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
   * on). Relations, so a conversion's lead is written after its contact and opportunity,
   * but without a foreign key (migration 20261203000300): a historical fact, which a
   * later deletion of the contact does not undo.
   */
  @ManyToOne('Contact', { mapToPk: true, fieldName: 'converted_contact_id', nullable: true, createForeignKeyConstraint: false })
  convertedContactId: string | null = null;

  @ManyToOne('Opportunity', { mapToPk: true, fieldName: 'converted_opportunity_id', nullable: true, createForeignKeyConstraint: false })
  convertedOpportunityId: string | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  convertedAt: Date | null = null;
}
