import { Check, Entity, Enum, Opt, Property } from '@mikro-orm/core';
import { OPPORTUNITY_STAGES, OpportunityStage } from '@app/contracts';
import { CrmRecord, ListIndexes, RecordRef } from '../common/record.entity';

@Entity({ schema: 'crm', tableName: 'opportunities' })
@ListIndexes('opportunities', ['stage', 'owner_id', 'contact_id', 'lead_id'])
@Check({ name: 'opportunities_amount_check', expression: 'amount >= 0' })
export class Opportunity extends CrmRecord {
  @Property({ type: 'string', length: 255 })
  name!: string;

  /** numeric(15,2), read back by pg as the exact text "50000.00": never a float. */
  @Property({ type: 'decimal', precision: 15, scale: 2, nullable: true })
  amount: string | null = null;

  @Enum({ items: [...OPPORTUNITY_STAGES], columnType: 'varchar(20)', default: 'qualification' })
  stage: OpportunityStage & Opt = 'qualification';

  @RecordRef('User', 'owner_id', { nullable: false, deleteRule: 'no action' })
  ownerId!: string;

  @RecordRef('Contact', 'contact_id')
  contactId: string | null = null;

  @RecordRef('Lead', 'lead_id')
  leadId: string | null = null;
}
