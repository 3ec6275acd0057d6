import type { CallHandler, ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { lastValueFrom, of } from 'rxjs';
import { newTestService } from '../../../../test/utils/service-test';
import { assertIfMatch, EtagInterceptor, parseIfMatch } from './etag';

/**
 * The ETag on answers that are one record (@RecordAnswers, @Idempotent): the tag a client
 * gets is the one its If-Match must send back, and a new version has a new tag. The
 * routes themselves: test/e2e/etag.e2e-spec.ts.
 */
describe('EtagInterceptor', () => {
  /** The interceptor run on one answer: the answer as it leaves, and the headers set on the reply. */
  async function answer(body: unknown): Promise<{ body: unknown; headers: Record<string, string> }> {
    const { sut } = await newTestService(EtagInterceptor);
    const headers: Record<string, string> = {};
    const reply = { header: jest.fn((name: string, value: string) => (headers[name] = value)) } as unknown as FastifyReply;
    const context = { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ExecutionContext;
    const next: CallHandler = { handle: () => of(body) };
    return { body: await lastValueFrom(sut.intercept(context, next)), headers };
  }
  const lead = (updatedAt: string) => ({ id: 'l1', name: 'Ann', created_at: '2026-11-30T12:00:00.000Z', updated_at: updatedAt });

  it('one record: the answer unchanged, with the ETag of its version, which If-Match then accepts', async () => {
    const record = lead('2026-11-30T12:00:00.123Z');
    const { body, headers } = await answer(record);
    expect(body).toBe(record);
    expect(Object.keys(headers)).toEqual(['etag']);
    expect(headers.etag).toMatch(/^"[0-9a-z]+"$/);
    expect(() => assertIfMatch(parseIfMatch(headers.etag), 'lead', new Date(record.updated_at))).not.toThrow();
  });

  it('a changed record has a new tag, and If-Match with the old one is refused (412)', async () => {
    const before = (await answer(lead('2026-11-30T12:00:00.123Z'))).headers.etag;
    const after = (await answer(lead('2026-11-30T12:00:00.124Z'))).headers.etag;
    expect(after).not.toBe(before);
    expect(() => assertIfMatch(parseIfMatch(before), 'lead', new Date('2026-11-30T12:00:00.124Z'))).toThrow(expect.objectContaining({ code: 'precondition_failed' }));
  });

  it('no ETag on what is not one record: a page, a list, a record without a version, nothing', async () => {
    for (const body of [{ results: [lead('2026-11-30T12:00:00.123Z')], next: null }, [lead('2026-11-30T12:00:00.123Z')], { id: 'l1', updated_at: null }, null, undefined]) {
      const out = await answer(body);
      expect(out).toEqual({ body, headers: {} });
    }
  });
});
