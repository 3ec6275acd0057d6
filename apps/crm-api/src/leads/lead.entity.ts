import { Entity, Opt, Property } from '@mikro-orm/core';
import type { LeadStatus } from '@app/contracts';
import { CrmRecord } from '../common/record.entity';

@Entity({ schema: 'crm', tableName: 'leads' })
export class Lead extends CrmRecord {
  @Property({ type: 'string', length: 255 })
  name!: string;

  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  company: string | null = null;

  @Property({ type: 'string', length: 50, nullable: true })
  phone: string | null = null;

  @Property({ type: 'string', length: 20 })
  status: LeadStatus & Opt = 'new';

  @Property({ type: 'uuid', nullable: true })
  assignedToId: string | null = null;

  /** What the conversion made, and when (the lead's rolled-up feed follows them from then on). */
  @Property({ type: 'uuid', nullable: true })
  convertedContactId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  convertedOpportunityId: string | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  convertedAt: Date | null = null;
}
