import { raw } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';
import { Access, isPrivileged, Policy, RecordKind } from './policy';
import { RecordRefsRepository } from './record-refs.repository';

export type { Access } from './policy';

/** A where-clause entry keeping only the records the caller reads (none needed when they read all). */
export function readableWhere(access: Access): Record<string, unknown> {
  const sql = access.policy.readableIdsSql(access.kind, access.caller);
  return sql ? { [raw((alias) => `${alias}.id in (${sql})`)]: [] } : {};
}

/** The Policy's checks on the records a write refers to (global, with the Policy: policy.module.ts). */
@Injectable()
export class RecordAccess {
  constructor(
    private readonly policy: Policy,
    private readonly refs: RecordRefsRepository,
  ) {}

  /**
   * References a write sets (a task's lead, a contact's lead, ...) must name records the
   * caller reads; one that exists but is hidden from them answers the same 404 as one that
   * does not exist, so existence does not leak.
   */
  async assertReadableRefs(caller: Caller, refs: Partial<Record<RecordKind, string | null | undefined>>): Promise<void> {
    for (const [kind, id] of Object.entries(refs) as [RecordKind, string | null | undefined][]) {
      const sql = id ? this.policy.readableIdsSql(kind, caller) : null;
      if (!sql) continue;
      if (!(await this.refs.readableExists(kind, id!, sql))) throw DomainError.notFound(kind, id!);
    }
  }

  /**
   * A parent the caller adds to (a quote to an opportunity, a log to a lead) must be one
   * they may write: 404 when they do not read it, 403 when they read but do not own it.
   */
  async assertWritableRef(caller: Caller, kind: RecordKind, id: string, verb: string): Promise<void> {
    // A manager or admin writes every record: existence is left to the write itself (as before the Policy).
    if (isPrivileged(caller)) return;
    const row = await this.refs.owned(kind, id, this.policy.readableIdsSql(kind, caller));
    if (!row) throw DomainError.notFound(kind, id);
    this.policy.assertWrite(caller, kind, row, verb);
  }
}
