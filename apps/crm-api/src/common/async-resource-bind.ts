import { AsyncResource } from 'node:async_hooks';

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * Node 20's `AsyncResource#bind` gives every function it binds a deprecated `asyncResource`
 * property (DEP0172) whose getter and setter are two `util.deprecate()` wrappers, and each
 * wrapper has its prototype set to the function it wraps: new functions and new maps for
 * V8 on every call (nodejs/node#58218, "deprecate shows increased use of CPU"). Fastify
 * binds a function for every request with a body (its content-type parser) and Nest two
 * for every interceptor layer: measured at a fifth of crm-api's CPU per POST
 * (docs/benchmarks.md, "AsyncResource#bind without its deprecated property"). Node 24
 * stopped setting those prototypes and later majors dropped the property (End-of-Life);
 * this does the same here: the same bound function (run in the resource's async scope,
 * the same `this` and `length`), without the property, which nothing crm-api loads reads.
 * It changes nothing where the running Node no longer adds the property.
 */
export function bindWithoutDeprecatedProperty(): void {
  const probe = new AsyncResource('crm-api:probe').bind(() => undefined);
  if (!('asyncResource' in probe)) return;
  AsyncResource.prototype.bind = function bind(this: AsyncResource, fn: AnyFunction, thisArg?: unknown) {
    if (typeof fn !== 'function') throw new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`);
    const bound = thisArg === undefined ? inScopeOf(this, fn) : this.runInAsyncScope.bind(this, fn, thisArg);
    Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
    return bound;
  } as AsyncResource['bind'];
}

/** `fn` run in `resource`'s async scope with the `this` it is called with (Node's unbound form). */
function inScopeOf(resource: AsyncResource, fn: AnyFunction) {
  return function (this: unknown, ...args: unknown[]) {
    return resource.runInAsyncScope(fn, this, ...args);
  };
}
