import { Entity, Opt, Property } from '@mikro-orm/core';
import type { OpportunityStage } from '@app/contracts';
import { CrmRecord } from '../common/record.entity';

@Entity({ schema: 'crm', tableName: 'opportunities' })
export class Opportunity extends CrmRecord {
  @Property({ type: 'string', length: 255 })
  name!: string;

  /** numeric(15,2), read back by pg as the exact text "50000.00": never a float. */
  @Property({ type: 'decimal', precision: 15, scale: 2, nullable: true })
  amount: string | null = null;

  @Property({ type: 'string', length: 20 })
  stage: OpportunityStage & Opt = 'qualification';

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'uuid', nullable: true })
  contactId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  leadId: string | null = null;
}
