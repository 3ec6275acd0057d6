import { DeliveryLedger } from './delivery-ledger';

const ledger = (...tags: number[]) => {
  const l = new DeliveryLedger();
  tags.forEach((t) => l.add(t));
  return l;
};

describe('DeliveryLedger', () => {
  it('acks a batch with one multiple ack when nothing earlier is unsettled', () => {
    const l = ledger(1, 2, 3, 4, 5);
    expect(l.settle([1, 2, 3])).toEqual({ upTo: 3 });
    // Later tags are not covered by a multiple ack up to 3: they stay.
    expect(l.size).toBe(2);
    expect(l.settle([4, 5])).toEqual({ upTo: 5 });
    expect(l.size).toBe(0);
  });

  it('acks one by one when an earlier tag is still held (a retried batch, a pending dead letter)', () => {
    const l = ledger(1, 2, 3, 4, 5);
    expect(l.settle([2, 3, 5])).toEqual({ each: [2, 3, 5] });
    expect(l.size).toBe(2);
    // Once the holder settles, the rest is contiguous again.
    expect(l.settle([1, 4])).toEqual({ upTo: 4 });
  });

  it('treats tags nacked earlier as settled', () => {
    const l = ledger(1, 2, 3);
    expect(l.drop(1)).toBe(true);
    expect(l.settle([2, 3])).toEqual({ upTo: 3 });
  });

  it('acks a single delivery on its own (no multiple flag needed)', () => {
    const l = ledger(7);
    expect(l.settle([7])).toEqual({ each: [7] });
  });

  it('ignores tags it does not hold (already settled, or of another channel)', () => {
    const l = ledger(1, 2);
    expect(l.settle([1, 1, 9])).toEqual({ each: [1] });
    expect(l.settle([1])).toEqual({ each: [] });
    expect(l.drop(1)).toBe(false);
  });

  it('does not depend on the order it is given tags in', () => {
    const l = ledger(1, 2, 3);
    expect(l.settle([3, 1, 2])).toEqual({ upTo: 3 });
  });
});
