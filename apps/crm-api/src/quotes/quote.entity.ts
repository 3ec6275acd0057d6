import { Entity, Property } from '@mikro-orm/core';
import { CrmRecord } from '../common/record.entity';

@Entity({ schema: 'crm', tableName: 'quotes' })
export class Quote extends CrmRecord {
  @Property({ type: 'string', length: 255 })
  title!: string;

  /** numeric(15,2) as exact text. */
  @Property({ type: 'decimal', precision: 15, scale: 2 })
  totalPrice!: string;

  @Property({ type: 'uuid', nullable: true })
  opportunityId: string | null = null;

  /** A calendar date, "YYYY-MM-DD". */
  @Property({ type: 'date', nullable: true })
  validUntil: string | null = null;
}
