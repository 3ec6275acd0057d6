import { z } from 'zod';
import { DomainError } from './domain-error';
import { ZodPipe } from './zod.pipe';

describe('ZodPipe', () => {
  const pipe = new ZodPipe(z.strictObject({ name: z.string().min(1), n: z.number().optional() }));

  it('returns the parsed value', () => {
    expect(pipe.transform({ name: 'x' })).toEqual({ name: 'x' });
  });

  it('names each bad and each unknown field', () => {
    try {
      pipe.transform({ n: 'a', foo: 1, bar: 2 });
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      const detail = (e as DomainError).detail as string[];
      expect(detail).toEqual(expect.arrayContaining([expect.stringMatching(/^name: /), expect.stringMatching(/^n: /), 'foo: unknown field', 'bar: unknown field']));
    }
  });

  it('says required for a missing field, and unknown parameter in a query', () => {
    expect(() => pipe.transform({})).toThrow('name: required');
    expect(() => new ZodPipe(z.strictObject({}), 'query').transform({ offset: '1' })).toThrow('offset: unknown parameter');
  });

  it('names the location when the whole value is wrong', () => {
    expect(() => pipe.transform(undefined)).toThrow(/body: /);
  });
});
