import { BodyError, parseJsonBody } from './json-body';

describe('parseJsonBody', () => {
  it('parses JSON', () => {
    expect(parseJsonBody('{"name":"x","n":[1,{"a":null}]}')).toEqual({ name: 'x', n: [1, { a: null }] });
  });

  it.each([
    ['', 'body: empty, but the content type is application/json'],
    ['  ', 'body: empty, but the content type is application/json'],
    ['{"name":', /^body: not valid JSON \(/],
    ['{"__proto__":{"isAdmin":true}}', 'body: the key "__proto__" is not allowed'],
    ['{"a":{"b":{"__proto__":{}}}}', 'body: the key "__proto__" is not allowed'],
    ['{"constructor":{"prototype":{"x":1}}}', 'body: the key "constructor" is not allowed'],
    ['{"\\u005f_proto__":{"isAdmin":true}}', 'body: the key "__proto__" is not allowed'],
    ['{"a":[{"\\u0063onstructor":{"prototype":{}}}]}', 'body: the key "constructor" is not allowed'],
  ])('refuses %j with a 400 naming the problem', (text, message) => {
    let error: unknown;
    try {
      parseJsonBody(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BodyError);
    expect((error as BodyError).statusCode).toBe(400);
    expect((error as BodyError).message).toMatch(message);
  });

  it('keeps a plain "constructor" field (a name like any other)', () => {
    expect(parseJsonBody('{"constructor":"x"}')).toEqual({ constructor: 'x' });
  });
});
