import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { RecordRepository } from '../common/record.repository';
import { Quote } from './quote.entity';

/** crm.quotes through the unit of work (common/record.repository.ts). */
@Injectable()
export class QuotesRepository extends RecordRepository<Quote> {
  constructor(em: EntityManager) {
    super(em, Quote, 'quote');
  }
}
