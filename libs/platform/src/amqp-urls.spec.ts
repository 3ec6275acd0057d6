import { z } from 'zod';
import { amqpUrlsVar, BrokerRotation, brokerUrls, quorumGroupSize } from './amqp-urls';

describe('AMQP_URL as a list', () => {
  const schema = z.object({ AMQP_URL: amqpUrlsVar('amqp://localhost') });

  it('reads one URL or several, comma-separated, and refuses a non-amqp one by name', () => {
    expect(brokerUrls('amqp://a:5672/vh')).toEqual(['amqp://a:5672/vh']);
    expect(brokerUrls(' amqp://a/vh , amqps://b/vh,')).toEqual(['amqp://a/vh', 'amqps://b/vh']);
    expect(schema.safeParse({ AMQP_URL: 'amqp://a/vh,amqp://b/vh' }).success).toBe(true);
    const bad = schema.safeParse({ AMQP_URL: 'amqp://a/vh,http://u:secret@b/vh' });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('http://…@b/vh');
    expect(JSON.stringify(bad.error?.issues)).not.toContain('secret');
  });

  it('gives a quorum queue one replica per listed node, at most 3', () => {
    expect(quorumGroupSize('amqp://a')).toBe(1);
    expect(quorumGroupSize('amqp://a,amqp://b')).toBe(2);
    expect(quorumGroupSize('amqp://a,amqp://b,amqp://c,amqp://d,amqp://e')).toBe(3);
  });

  it('connects to the first that answers and, once that is lost, starts with the next', async () => {
    const rotation = new BrokerRotation('amqp://a,amqp://b,amqp://c');
    const tried: string[] = [];
    const down = new Set(['amqp://a']);
    const open = async (url: string) => {
      tried.push(url);
      if (down.has(url)) throw new Error(`${url} refused`);
      return url;
    };
    expect(await rotation.connect(open)).toBe('amqp://b');
    rotation.lost();
    expect(await rotation.connect(open)).toBe('amqp://c');
    down.add('amqp://c');
    rotation.lost();
    expect(await rotation.connect(open)).toBe('amqp://b'); // a (down), then b
    down.add('amqp://b');
    await expect(rotation.connect(open)).rejects.toThrow(/refused/);
    expect(tried).toEqual(['amqp://a', 'amqp://b', 'amqp://c', 'amqp://a', 'amqp://b', 'amqp://b', 'amqp://c', 'amqp://a']);
  });
});
