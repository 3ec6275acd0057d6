import { ApiKey } from '../api-keys/api-key.entity';
import { CrmRecord } from '../common/record.entity';
import { Contact } from '../contacts/contact.entity';
import { Lead } from '../leads/lead.entity';
import { Opportunity } from '../opportunities/opportunity.entity';
import { OutboxEvent } from '../outbox/outbox-event.entity';
import { Quote } from '../quotes/quote.entity';
import { Task } from '../tasks/task.entity';
import { User } from '../users/user.entity';

/** Every entity of crm-api, listed explicitly (no folder globs inside a bundle). */
export const CRM_ENTITIES = [OutboxEvent, CrmRecord, User, ApiKey, Lead, Contact, Opportunity, Quote, Task];
