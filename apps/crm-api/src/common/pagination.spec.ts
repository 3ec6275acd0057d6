import { z } from 'zod';
import { encodeCursor } from './cursor';
import { listQuery, pageLink } from './pagination';

describe('listQuery', () => {
  const q = listQuery({ status: z.enum(['new', 'won']).optional() });

  it('defaults the limit and decodes the cursor', () => {
    const key = { createdAt: new Date('2026-11-27T12:00:00.000Z'), id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c01' };
    expect(q.parse({})).toEqual({ limit: 20 });
    expect(q.parse({ limit: '100', cursor: encodeCursor(key), status: 'new' })).toEqual({ limit: 100, cursor: key, status: 'new' });
  });

  it('refuses a bad limit, a bad cursor and unknown parameters', () => {
    for (const limit of ['0', '101', '1.5', 'abc', '']) expect(q.safeParse({ limit }).success).toBe(false);
    expect(q.safeParse({ cursor: 'garbage' }).success).toBe(false);
    expect(q.safeParse({ offset: '10' }).success).toBe(false);
  });
});

describe('pageLink', () => {
  it('keeps the filters and replaces the cursor', () => {
    expect(pageLink('http://h:1', '/api/leads/?status=new&cursor=old&limit=5', 'NEW')).toBe('http://h:1/api/leads/?status=new&cursor=NEW&limit=5');
    expect(pageLink('https://crm.example.com/', '/api/leads', 'c')).toBe('https://crm.example.com/api/leads?cursor=c');
    expect(pageLink('http://h:1', '/api/leads', null)).toBeNull();
  });

  it('is relative without a public URL, and never names another host', () => {
    expect(pageLink(undefined, '/api/leads/?limit=5', 'c')).toBe('/api/leads/?limit=5&cursor=c');
    expect(pageLink(undefined, '//evil.example/api/leads', 'c')).toBe('/api/leads?cursor=c');
    expect(pageLink(undefined, '/\\evil.example/x', 'c')).not.toMatch(/^\/\//);
  });
});
