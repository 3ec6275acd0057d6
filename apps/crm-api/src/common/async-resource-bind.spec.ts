import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { bindWithoutDeprecatedProperty } from './async-resource-bind';

/** The bound functions Fastify and Nest make per request: the same behaviour as Node's, without the deprecated property. */
describe('bindWithoutDeprecatedProperty', () => {
  const original = Object.getOwnPropertyDescriptor(AsyncResource.prototype, 'bind')!;
  beforeAll(() => bindWithoutDeprecatedProperty());
  afterAll(() => Object.defineProperty(AsyncResource.prototype, 'bind', original));

  it("runs the function in the resource's async context, with the caller's `this`, or the one bound", () => {
    const storage = new AsyncLocalStorage<string>();
    const bound = storage.run('request 1', () =>
      AsyncResource.bind(function (this: unknown, a: number, b: number) {
        return { store: storage.getStore(), self: this, sum: a + b };
      }),
    );
    const self = { name: 'caller' };
    expect(storage.run('request 2', () => bound.call(self, 1, 2))).toEqual({ store: 'request 1', self, sum: 3 });
    const withThis = storage.run('request 3', () =>
      AsyncResource.bind(
        function (this: unknown, x: number) {
          return [storage.getStore(), this, x];
        },
        'test',
        self,
      ),
    );
    expect(withThis.call({ name: 'another' }, 4)).toEqual(['request 3', self, 4]);
  });

  it('keeps the length, adds no asyncResource property, and refuses what is not a function', () => {
    const bound = AsyncResource.bind((a: number, b: number, c: number) => a + b + c);
    expect(bound.length).toBe(3);
    expect(Object.prototype.hasOwnProperty.call(bound, 'asyncResource')).toBe(false);
    expect(() => new AsyncResource('test').bind(42 as unknown as () => void)).toThrow(TypeError);
  });
});
