import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { RecordRepository } from '../common/record.repository';
import { Opportunity } from './opportunity.entity';

/** crm.opportunities through the unit of work (common/record.repository.ts). */
@Injectable()
export class OpportunitiesRepository extends RecordRepository<Opportunity> {
  constructor(em: EntityManager) {
    super(em, Opportunity, 'opportunity');
  }
}
