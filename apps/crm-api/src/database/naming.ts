import { UnderscoreNamingStrategy } from '@mikro-orm/core';

/**
 * Constraint names as PostgreSQL gives them when a hand-written migration does not
 * name them (`leads_assigned_to_id_fkey`, `users_email_key`): MikroORM's own names
 * (`_foreign`, `_unique`) would make the schema check (test/e2e/schema-diff) read every
 * constraint the migrations made as one to drop and one to add.
 */
export class CrmNamingStrategy extends UnderscoreNamingStrategy {
  override indexName(tableName: string, columns: string[], type: 'primary' | 'foreign' | 'unique' | 'index' | 'sequence' | 'check'): string {
    const table = tableName.includes('.') ? tableName.slice(tableName.indexOf('.') + 1) : tableName;
    if (type === 'foreign') return `${table}_${columns.join('_')}_fkey`;
    if (type === 'unique') return `${table}_${columns.join('_')}_key`;
    return super.indexName(tableName, columns, type);
  }
}
