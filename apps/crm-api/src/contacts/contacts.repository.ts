import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { RecordRepository } from '../common/record.repository';
import { Contact } from './contact.entity';

/** crm.contacts through the unit of work (common/record.repository.ts). */
@Injectable()
export class ContactsRepository extends RecordRepository<Contact> {
  constructor(em: EntityManager) {
    super(em, Contact, 'contact');
  }
}
