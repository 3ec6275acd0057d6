import type { CallHandler, ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { lastValueFrom, of, throwError } from 'rxjs';
import { newTestService } from '../../../../test/utils/service-test';
import { DomainError } from './domain-error';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { Controller, Get, Post } from '@nestjs/common';
import { EtagInterceptor, etagOf, RecordAnswers } from './etag';
import { afterCommit, Idempotent, IdempotencyInterceptor } from './idempotency';
import { fingerprintOf, IDEMPOTENCY_TTL_HOURS, lockIdOf } from './idempotency-key';
import { IdempotencyRepository } from './idempotency.repository';

const USER = '0b9f7a52-2f2c-4d8e-9a55-6f0e1c7d2a11';

/** Two routes, as controllers declare them: the interceptor reads the real metadata (never calls them, hence `this: void`). */
class Routes {
  @Idempotent()
  create(this: void) {}
  plain(this: void) {}
}

/** A keyed POST and the reply it is answered on (only what the interceptor touches). */
function exchange(headers: Record<string, string> = { 'idempotency-key': 'k1' }, route: keyof Routes = 'create') {
  const request = {
    headers,
    caller: { id: USER },
    method: 'POST',
    url: '/api/leads/',
    routeOptions: { url: '/api/leads/' },
    params: {},
    body: { name: 'Ann' },
  } as unknown as FastifyRequest;
  const sent: Record<string, string> = {};
  const reply = {
    statusCode: 201,
    status: jest.fn(function (this: { statusCode: number }, code: number) {
      this.statusCode = code;
      return this;
    }),
    header: jest.fn((name: string, value: string) => (sent[name.toLowerCase()] = value)),
    getHeader: (name: string) => sent[name],
  } as unknown as FastifyReply;
  const context = { getHandler: () => Routes.prototype[route], switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ExecutionContext;
  return { request, reply, sent, context };
}

describe('IdempotencyInterceptor', () => {
  async function interceptor() {
    const t = await newTestService(IdempotencyInterceptor);
    const keys = t.mock(IdempotencyRepository);
    let inTransaction = false;
    keys.transaction.mockImplementation(async (work) => {
      inTransaction = true;
      try {
        return await work();
      } finally {
        inTransaction = false;
      }
    });
    keys.tryLock.mockResolvedValue(true);
    keys.findLive.mockResolvedValue(null);
    keys.save.mockImplementation(async () => {
      if (!inTransaction) throw new Error("the answer was stored outside the handler's transaction");
    });
    for (const m of [keys.saveRefusal, keys.replaceAnswer, keys.deleteOlderThan]) m.mockResolvedValue();
    return { sut: t.sut, keys };
  }
  const handler = (answer: unknown, sent?: Record<string, string>): { handle: jest.Mock<ReturnType<CallHandler['handle']>, []> } => ({
    handle: jest.fn(() => {
      if (sent) sent.location = '/api/leads/l1/';
      return of(answer);
    }),
  });
  const run = (sut: IdempotencyInterceptor, context: ExecutionContext, next: CallHandler) => lastValueFrom(sut.intercept(context, next), { defaultValue: undefined });

  it('a first keyed request runs the handler under the (caller, key) lock and stores its exact answer with it', async () => {
    const { sut, keys } = await interceptor();
    const { context, sent } = exchange();
    const next = handler({ id: 'l1', name: 'Ann' }, sent);
    await expect(run(sut, context, next)).resolves.toBe('{"id":"l1","name":"Ann"}');
    expect(keys.tryLock).toHaveBeenCalledWith(lockIdOf(USER, 'k1'));
    expect(keys.findLive).toHaveBeenCalledWith(USER, 'k1', IDEMPOTENCY_TTL_HOURS);
    expect(keys.save).toHaveBeenCalledWith(USER, 'k1', fingerprintOf('POST', '/api/leads/', {}, { name: 'Ann' }), {
      status: 201,
      body: '{"id":"l1","name":"Ann"}',
      headers: { location: '/api/leads/l1/' },
    });
    expect(next.handle).toHaveBeenCalledTimes(1);
  });

  it('a retry of the same request replays the stored answer (status, headers, bytes) without running the handler', async () => {
    const { sut, keys } = await interceptor();
    const { context, sent, reply } = exchange();
    keys.findLive.mockResolvedValue({ fingerprint: fingerprintOf('POST', '/api/leads/', {}, { name: 'Ann' }), status: 201, body: '{"id":"l1"}', headers: { etag: '"e1"' } });
    const next = handler({ id: 'l2' });
    await expect(run(sut, context, next)).resolves.toBe('{"id":"l1"}');
    expect(next.handle).not.toHaveBeenCalled();
    expect(reply.statusCode).toBe(201);
    expect(sent).toMatchObject({ 'idempotent-replayed': 'true', etag: '"e1"' });
    expect(keys.save).not.toHaveBeenCalled();
  });

  it('the key with another request is a 422; while the first still runs, a 409; neither runs the handler', async () => {
    const { sut, keys } = await interceptor();
    keys.findLive.mockResolvedValue({ fingerprint: 'another', status: 201, body: null, headers: {} });
    const next = handler({});
    await expect(run(sut, exchange().context, next)).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    keys.tryLock.mockResolvedValue(false);
    await expect(run(sut, exchange().context, next)).rejects.toMatchObject({ code: 'idempotency_key_in_use' });
    expect(next.handle).not.toHaveBeenCalled();
  });

  it('a refusal that is the answer (404, 403, 409) is stored after the rollback; a passing failure is not', async () => {
    const { sut, keys } = await interceptor();
    const failing = (error: Error) => ({ handle: () => throwError(() => error) });
    await expect(run(sut, exchange().context, failing(DomainError.notFound('lead', 'l9')))).rejects.toMatchObject({ code: 'not_found' });
    expect(keys.saveRefusal).toHaveBeenCalledWith(USER, 'k1', expect.any(String), 404, expect.stringContaining('lead l9 not found'), IDEMPOTENCY_TTL_HOURS);
    await expect(run(sut, exchange().context, failing(new Error('connection reset')))).rejects.toThrow('connection reset');
    await expect(run(sut, exchange().context, failing(new DomainError('rate_limited', 'slow down', 1)))).rejects.toMatchObject({ code: 'rate_limited' });
    expect(keys.saveRefusal).toHaveBeenCalledTimes(1);
  });

  it('afterCommit: the answer after commit replaces the stored one when it differs', async () => {
    const { sut, keys } = await interceptor();
    const { context, request } = exchange();
    const next = { handle: () => of(afterCommit(request, { status: 'pending' }, async () => ({ status: 'written' }))) };
    await expect(run(sut, context, next)).resolves.toBe('{"status":"written"}');
    expect(keys.save).toHaveBeenCalledWith(USER, 'k1', expect.any(String), expect.objectContaining({ body: '{"status":"pending"}' }));
    expect(keys.replaceAnswer).toHaveBeenCalledWith(USER, 'k1', expect.objectContaining({ body: '{"status":"written"}' }));
  });

  it('without the header, or on a route not marked @Idempotent(), the handler runs as is', async () => {
    const { sut, keys } = await interceptor();
    const next = handler({ id: 'l1' });
    await expect(run(sut, exchange({}).context, next)).resolves.toEqual({ id: 'l1' });
    await expect(run(sut, exchange(undefined, 'plain').context, next)).resolves.toEqual({ id: 'l1' });
    expect(keys.transaction).not.toHaveBeenCalled();
  });

  it('sets the ETag of a record answer itself, with or without a key, and stores it with the answer', async () => {
    const { sut, keys } = await interceptor();
    const record = { id: 'l1', updated_at: '2026-11-30T09:00:00.000Z' };
    const unkeyed = exchange({});
    await expect(run(sut, unkeyed.context, handler(record))).resolves.toEqual(record);
    expect(unkeyed.sent.etag).toBe(etagOf(record.updated_at));
    const keyed = exchange();
    await run(sut, keyed.context, handler(record));
    expect(keyed.sent.etag).toBe(etagOf(record.updated_at));
    expect(keys.save).toHaveBeenCalledWith(USER, 'k1', expect.any(String), expect.objectContaining({ headers: { etag: etagOf(record.updated_at) } }));
  });
});

describe('@RecordAnswers()', () => {
  @RecordAnswers()
  @Controller('things')
  class Things {
    @Get()
    read(this: void) {}
    @Post()
    @Idempotent()
    create(this: void) {}
    helper(this: void) {}
  }
  const interceptorsOf = (route: () => void): unknown[] => (Reflect.getMetadata(INTERCEPTORS_METADATA, route) as unknown[] | undefined) ?? [];

  it('gives each route the ETag interceptor, but a keyed write only its own (one layer, which tags)', () => {
    expect(interceptorsOf(Things.prototype.read)).toEqual([EtagInterceptor]);
    expect(interceptorsOf(Things.prototype.create)).toEqual([IdempotencyInterceptor]);
    expect(interceptorsOf(Things.prototype.helper)).toEqual([]);
    expect(Reflect.getMetadata(INTERCEPTORS_METADATA, Things)).toBeUndefined();
  });
});
