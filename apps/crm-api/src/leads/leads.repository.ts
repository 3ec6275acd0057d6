import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { RecordRepository } from '../common/record.repository';
import { Lead } from './lead.entity';

/** crm.leads through the unit of work (common/record.repository.ts). */
@Injectable()
export class LeadsRepository extends RecordRepository<Lead> {
  constructor(em: EntityManager) {
    super(em, Lead, 'lead');
  }
}
