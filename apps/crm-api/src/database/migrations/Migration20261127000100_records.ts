import { Migration } from '@mikro-orm/migrations';

/**
 * Users and the CRM records. Written by hand: the checks and indexes are the point.
 * - Each list is served by an index on (created_at desc, id desc), alone and after
 *   each filter column, matching the keyset pagination of the API.
 * - References between records are `on delete set null`: deleting a lead leaves its
 *   contact and opportunity in place (they outlive it in any CRM); an opportunity's
 *   owner is required, and users are never deleted through the API.
 * - Money is numeric(15,2) with a non-negative check: exact, never a float.
 */
export class Migration20261127000100_records extends Migration {
  override async up(): Promise<void> {
    const record = `
      "created_at" timestamptz(3) not null default now(),
      "updated_at" timestamptz(3) not null default now(),
      "created_by_id" uuid null references "crm"."users" ("id") on delete set null`;
    const listIndexes = (table: string, columns: string[]) =>
      [`create index "${table}_created_idx" on "crm"."${table}" ("created_at" desc, "id" desc);`].concat(
        columns.map((c) => `create index "${table}_${c}_idx" on "crm"."${table}" ("${c}", "created_at" desc, "id" desc);`),
      );

    this.addSql(`create table "crm"."users" (
      "id" uuid primary key,
      "email" varchar(254) not null constraint "users_email_key" unique,
      "name" varchar(255) not null,
      "role" varchar(20) not null check ("role" in ('admin', 'sales_rep')),
      "password_hash" text not null,
      "created_at" timestamptz(3) not null default now(),
      "updated_at" timestamptz(3) not null default now(),
      "created_by_id" uuid null references "crm"."users" ("id") on delete set null);`);
    listIndexes('users', []).forEach((s) => this.addSql(s));

    this.addSql(`create table "crm"."leads" (
      "id" uuid primary key,
      "name" varchar(255) not null,
      "email" varchar(254) null,
      "company" varchar(255) null,
      "phone" varchar(50) null,
      "status" varchar(20) not null default 'new'
        check ("status" in ('new', 'contacted', 'qualified', 'converted', 'disqualified')),
      "assigned_to_id" uuid null references "crm"."users" ("id") on delete set null,${record});`);
    listIndexes('leads', ['status', 'assigned_to_id']).forEach((s) => this.addSql(s));

    this.addSql(`create table "crm"."contacts" (
      "id" uuid primary key,
      "name" varchar(255) not null,
      "email" varchar(254) null,
      "phone" varchar(50) null,
      "company" varchar(255) null,
      "lead_id" uuid null references "crm"."leads" ("id") on delete set null,${record});`);
    listIndexes('contacts', ['lead_id']).forEach((s) => this.addSql(s));

    this.addSql(`create table "crm"."opportunities" (
      "id" uuid primary key,
      "name" varchar(255) not null,
      "amount" numeric(15,2) null check ("amount" >= 0),
      "stage" varchar(20) not null default 'qualification'
        check ("stage" in ('qualification', 'proposal', 'negotiation', 'won', 'lost')),
      "owner_id" uuid not null references "crm"."users" ("id"),
      "contact_id" uuid null references "crm"."contacts" ("id") on delete set null,
      "lead_id" uuid null references "crm"."leads" ("id") on delete set null,${record});`);
    listIndexes('opportunities', ['stage', 'owner_id', 'contact_id', 'lead_id']).forEach((s) => this.addSql(s));

    this.addSql(`create table "crm"."quotes" (
      "id" uuid primary key,
      "title" varchar(255) not null,
      "total_price" numeric(15,2) not null check ("total_price" >= 0),
      "opportunity_id" uuid null references "crm"."opportunities" ("id") on delete set null,
      "valid_until" date null,${record});`);
    listIndexes('quotes', ['opportunity_id']).forEach((s) => this.addSql(s));

    this.addSql(`create table "crm"."tasks" (
      "id" uuid primary key,
      "action" varchar(255) not null,
      "target" varchar(255) not null,
      "type" varchar(20) not null default 'other'
        check ("type" in ('call', 'email', 'meeting', 'follow_up', 'other')),
      "notes" text null,
      "due_date" timestamptz(3) null,
      "status" varchar(20) not null default 'pending' check ("status" in ('pending', 'completed', 'cancelled')),
      "assigned_to_id" uuid null references "crm"."users" ("id") on delete set null,
      "lead_id" uuid null references "crm"."leads" ("id") on delete set null,
      "contact_id" uuid null references "crm"."contacts" ("id") on delete set null,
      "opportunity_id" uuid null references "crm"."opportunities" ("id") on delete set null,${record});`);
    listIndexes('tasks', ['status', 'assigned_to_id', 'lead_id', 'contact_id', 'opportunity_id']).forEach((s) => this.addSql(s));
  }

  override async down(): Promise<void> {
    for (const table of ['tasks', 'quotes', 'opportunities', 'contacts', 'leads', 'users']) {
      this.addSql(`drop table if exists "crm"."${table}" cascade;`);
    }
  }
}
