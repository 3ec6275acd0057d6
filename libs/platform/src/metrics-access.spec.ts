import { metricsAccess } from './metrics-access';

describe('metricsAccess', () => {
  it('without a token: loopback only, whatever the headers', () => {
    for (const a of ['127.0.0.1', '127.0.0.9', '::1', '::ffff:127.0.0.1']) expect(metricsAccess(a, undefined, undefined)).toBe('allowed');
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '192.168.1.2', '2001:db8::1', undefined]) expect(metricsAccess(a, 'Bearer x', undefined)).toBe('loopback only');
  });

  it('with a token: the token, from anywhere, loopback included', () => {
    expect(metricsAccess('10.0.0.1', 'Bearer s3cret', 's3cret')).toBe('allowed');
    expect(metricsAccess('127.0.0.1', 'bearer s3cret', 's3cret')).toBe('allowed');
    expect(metricsAccess('127.0.0.1', undefined, 's3cret')).toBe('token required');
    expect(metricsAccess('10.0.0.1', 'Bearer s3cre', 's3cret')).toBe('token required');
    expect(metricsAccess('10.0.0.1', 'Basic s3cret', 's3cret')).toBe('token required');
  });
});
