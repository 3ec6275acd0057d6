import { hasDotSegment } from './http-setup';

describe('hasDotSegment', () => {
  it.each(['/api/docs/../x', '/api/docs/%2e%2e/x', '/api/docs/%2E%2E%2Fx', '/api/docs/..\\x', '/./api/leads', '/api/docs/..', '/api/docs/%2e/x'])('finds one in %s', (url) => {
    expect(hasDotSegment(url)).toBe(true);
  });
  it.each(['/api/leads/', '/api/docs/swagger-ui.css', '/api/leads/?q=../x', '/api/docs/a..b', '/api/docs/.well', '/api/%zz'])('finds none in %s', (url) => {
    expect(hasDotSegment(url)).toBe(false);
  });
});
