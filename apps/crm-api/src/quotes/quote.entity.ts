import { Check, Entity, Property } from '@mikro-orm/core';
import { CrmRecord, ListIndexes, RecordRef } from '../common/record.entity';

@Entity({ schema: 'crm', tableName: 'quotes' })
@ListIndexes('quotes', ['opportunity_id'])
@Check({ name: 'quotes_total_price_check', expression: 'total_price >= 0' })
export class Quote extends CrmRecord {
  @Property({ type: 'string', length: 255 })
  title!: string;

  /** numeric(15,2) as exact text. */
  @Property({ type: 'decimal', precision: 15, scale: 2 })
  totalPrice!: string;

  @RecordRef('Opportunity', 'opportunity_id')
  opportunityId: string | null = null;

  /** A calendar date, "YYYY-MM-DD". */
  @Property({ type: 'date', nullable: true })
  validUntil: string | null = null;
}
