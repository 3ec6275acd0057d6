import { Migration20261127000000_crm } from './Migration20261127000000_crm';
import { Migration20261127000100_records } from './Migration20261127000100_records';
import { Migration20261127000200_login_failures } from './Migration20261127000200_login_failures';
import { Migration20261202000100_roles_owners } from './Migration20261202000100_roles_owners';
import { Migration20261202000200_sessions } from './Migration20261202000200_sessions';
import { Migration20261203000100_idempotency } from './Migration20261203000100_idempotency';
import { Migration20261203000200_api_keys } from './Migration20261203000200_api_keys';
import { Migration20261203000300_lead_conversion } from './Migration20261203000300_lead_conversion';
import { Migration20261203000400_log_changes } from './Migration20261203000400_log_changes';
import { Migration20261204000100_outbox_wake_in_process } from './Migration20261204000100_outbox_wake_in_process';

/** Listed explicitly: a webpack bundle has no folder to scan. Append new ones in order. */
export const CRM_MIGRATIONS = [
  { name: 'Migration20261127000000_crm', class: Migration20261127000000_crm },
  { name: 'Migration20261127000100_records', class: Migration20261127000100_records },
  { name: 'Migration20261127000200_login_failures', class: Migration20261127000200_login_failures },
  { name: 'Migration20261202000100_roles_owners', class: Migration20261202000100_roles_owners },
  { name: 'Migration20261202000200_sessions', class: Migration20261202000200_sessions },
  { name: 'Migration20261203000100_idempotency', class: Migration20261203000100_idempotency },
  { name: 'Migration20261203000200_api_keys', class: Migration20261203000200_api_keys },
  { name: 'Migration20261203000300_lead_conversion', class: Migration20261203000300_lead_conversion },
  { name: 'Migration20261203000400_log_changes', class: Migration20261203000400_log_changes },
  { name: 'Migration20261204000100_outbox_wake_in_process', class: Migration20261204000100_outbox_wake_in_process },
];
