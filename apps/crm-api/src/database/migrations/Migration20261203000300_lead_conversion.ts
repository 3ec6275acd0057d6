import { Migration } from '@mikro-orm/migrations';

/**
 * What a lead was converted into, and when: the rolled-up feed of a lead shows the logs of
 * that contact and opportunity from then on (feed/feed.rollup.ts). Plain columns, no
 * foreign key: a historical fact, which a later deletion of the contact does not undo.
 * Leads converted before this migration: the contact and opportunity the conversion made
 * (linked to the lead, the opportunity to the contact, stamped 1 ms after it: see
 * LeadsService.convert), else the earliest such pair.
 */
export class Migration20261203000300_lead_conversion extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "crm"."leads"
      add column "converted_contact_id" uuid null,
      add column "converted_opportunity_id" uuid null,
      add column "converted_at" timestamptz(3) null;`);
    this.addSql(`update "crm"."leads" l set
        "converted_contact_id" = pair.contact_id, "converted_opportunity_id" = pair.opportunity_id, "converted_at" = pair.created_at
      from (
        select distinct on (c.lead_id) c.lead_id, c.id as contact_id, o.id as opportunity_id, c.created_at
        from "crm"."contacts" c join "crm"."opportunities" o on o.contact_id = c.id and o.lead_id = c.lead_id
        order by c.lead_id, (o.created_at = c.created_at + interval '1 millisecond') desc, c.created_at, o.created_at
      ) pair
      where pair.lead_id = l.id and l.status = 'converted';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "crm"."leads" drop column "converted_contact_id", drop column "converted_opportunity_id", drop column "converted_at";`);
  }
}
