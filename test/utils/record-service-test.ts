import type { Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import type { CrmEvent } from '@app/contracts';
import { Policy } from '../../apps/crm-api/src/auth/policy';
import { RecordAccess } from '../../apps/crm-api/src/auth/record-access';
import { DomainError } from '../../apps/crm-api/src/common/domain-error';
import { applyChanges } from '../../apps/crm-api/src/common/patch';
import type { CrmRecord } from '../../apps/crm-api/src/common/record.entity';
import type { RecordRepository } from '../../apps/crm-api/src/common/record.repository';
import type { Caller, RequestCtx, Role } from '../../apps/crm-api/src/common/request-context';
import { OutboxEventsRepository } from '../../apps/crm-api/src/outbox/outbox.repository';
import { OutboxService } from '../../apps/crm-api/src/outbox/outbox.service';

/**
 * The service tier's kit for the record services (issue 13 part 2), beside the generic
 * one (service-test.ts: every collaborator an automatic mock): a record service built by
 * Nest's testing module with its repositories replaced by in-memory fakes, the real
 * OutboxService over a mocked events repository (so a test reads the events a call
 * emitted), and a Policy that lets every caller read and write (its rules have their own
 * spec).
 */

/** A RecordRepository of jest mocks over an in-memory map: what a service sees, without a database. */
export type FakeRecords<T extends CrmRecord> = { [K in keyof RecordRepository<T>]: jest.Mock } & { rows: Map<string, T> };

export function fakeRecords<T extends CrmRecord>(what: string, rows: T[] = []): FakeRecords<T> {
  const map = new Map(rows.map((r) => [r.id, r]));
  const find = (id: string) => {
    const found = map.get(id);
    if (!found) throw DomainError.notFound(what, id);
    return found;
  };
  return {
    rows: map,
    what: what as never,
    page: jest.fn(async () => ({ items: [...map.values()], nextCursor: null })),
    get: jest.fn(async (id: string) => find(id)),
    add: jest.fn((data: Partial<T>) => {
      const now = new Date();
      const record = { id: randomUUID(), createdAt: now, updatedAt: now, createdById: null, ...data } as T;
      map.set(record.id, record);
      return record;
    }),
    insertNew: jest.fn(async (build: () => unknown) => build()),
    insertNewIfExists: jest.fn(async (id: string, build: () => unknown) => {
      find(id); // the 404 of the insert's own existence check
      return build();
    }),
    change: jest.fn(async (id: string, patch: Partial<T>, emit: (r: T, c: object) => unknown) => {
      const record = find(id);
      const before = { ...record };
      const changed = applyChanges(record, patch);
      if (!changed.length) return record;
      const now = new Date(Math.max(Date.now(), record.updatedAt.getTime() + 1));
      record.updatedAt = now;
      await emit(record, { before, changed, now });
      return record;
    }),
    remove: jest.fn(async (id: string, describe: (r: T) => void) => {
      describe(find(id));
      map.delete(id);
    }),
    changeLocked: jest.fn(async (id: string, _access: unknown, work: (r: T) => unknown) => work(find(id))),
  };
}

/** A Policy that reads and writes everything for everyone (what a service does with its answer is tested here). */
export function openPolicy(): Policy {
  return {
    on: jest.fn((kind: string, caller: Caller) => ({ policy: openPolicy(), kind, caller })),
    readableIdsSql: jest.fn(() => null),
    assertWrite: jest.fn(),
    mayWrite: jest.fn(() => true),
  } as unknown as Policy;
}

/** The events a service emitted through the real OutboxService. */
export interface EmittedEvents {
  events: CrmEvent[];
  types(): string[];
  of<K extends CrmEvent['type']>(type: K): CrmEvent<K>[];
}

/**
 * Builds `service` with `Test.createTestingModule`: the given providers (repository
 * mocks: `{ provide: LeadsRepository, useValue: fakeRecords('lead') }`), the real
 * OutboxService over a recording events repository (`outbox` adds to or replaces its
 * other methods), and `openPolicy()` unless given.
 */
export async function serviceWith<S>(
  service: Type<S>,
  providers: Provider[],
  outbox: Partial<Record<keyof OutboxEventsRepository, jest.Mock>> = {},
): Promise<{ service: S; emitted: EmittedEvents; outbox: Record<keyof OutboxEventsRepository, jest.Mock>; access: Record<'assertReadableRefs' | 'assertWritableRef', jest.Mock> }> {
  // The checks on the records a write refers to: allowed, and recorded (their rules: record-access.spec.ts).
  const access = { assertReadableRefs: jest.fn(async () => undefined), assertWritableRef: jest.fn(async () => undefined) };
  const events: CrmEvent[] = [];
  const outboxMock = {
    add: jest.fn((e: CrmEvent) => events.push(e)),
    latestLogChange: jest.fn(async () => undefined),
    underLogChangeLock: jest.fn((_id: string, work: () => unknown) => work()),
    ...outbox,
  };
  const given = new Set(providers.map((p) => (typeof p === 'object' && 'provide' in p ? p.provide : p)));
  const module = await Test.createTestingModule({
    providers: [
      service,
      OutboxService,
      { provide: OutboxEventsRepository, useValue: outboxMock },
      ...(given.has(Policy) ? [] : [{ provide: Policy, useValue: openPolicy() }]),
      ...(given.has(RecordAccess) ? [] : [{ provide: RecordAccess, useValue: access }]),
      ...providers,
    ],
  }).compile();
  const emitted: EmittedEvents = {
    events,
    types: () => events.map((e) => e.type),
    of: <K extends CrmEvent['type']>(type: K) => events.filter((e) => e.type === type) as CrmEvent<K>[],
  };
  return { service: module.get(service), emitted, outbox: outboxMock, access };
}

/** A request's context: a caller of `role`, a correlation id. */
export function requestCtx(role: Role = 'sales_rep', over: Partial<Caller> = {}): RequestCtx {
  const id = over.id ?? randomUUID();
  return { caller: { id, name: `user ${id.slice(0, 4)}`, email: `${id.slice(0, 8)}@crm.test`, role, kind: 'user', ...over }, correlationId: randomUUID() };
}
