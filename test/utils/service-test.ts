import type { InjectionToken, Provider, Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { ApiConfig } from '../../apps/crm-api/src/config/api.config';

/**
 * The service tier's kit (as immich's `newTestService`): the service under test built by
 * Nest's own injector, each of its constructor's collaborators (repositories, other
 * services, listeners) replaced by a typed jest mock, and the real config from `env`
 * (config is values, not behaviour): crm-api's ApiConfig, or the class given as
 * `config` (the logger's LoggerConfig), loaded by its own static `load(env)`. A mock method that a test did not give an
 * implementation throws when called: a service that reaches for a repository the test
 * did not expect fails loudly instead of receiving `undefined`.
 */
// Each method as a standalone jest mock, not `jest.Mocked<T>` (which is also `T`, so its methods keep
// their class's `this`): a mock never uses `this`, so `expect(repo.find)` takes nothing off an object
// that needs it (lint's unbound-method would flag every such assertion).
export type Mocked<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? jest.MockInstance<R, A> & ((...args: A) => R) : T[K] };

export interface ServiceTest<T> {
  sut: T;
  /** The mock that stands for `type` (the same instance the service received). */
  mock<R>(type: Type<R>): Mocked<R>;
  module: TestingModule;
}

/** A jest mock of every method of `type` (its prototype chain, accessors excluded). */
export function automock<T>(type: Type<T>): Mocked<T> {
  const mock: Record<string, jest.Mock> = {};
  for (let proto = type.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (name === 'constructor' || name in mock || typeof descriptor?.value !== 'function') continue;
      mock[name] = jest.fn(() => {
        throw new Error(`${type.name}.${name} was called, but the test gave it no implementation`);
      });
    }
  }
  return mock as unknown as Mocked<T>;
}

/** An app's config class: ApiConfig, LoggerConfig. */
export interface ConfigClass extends Type<unknown> {
  load(env: NodeJS.ProcessEnv): unknown;
}

export async function newTestService<T>(service: Type<T>, options: { env?: NodeJS.ProcessEnv; providers?: Provider[]; config?: ConfigClass } = {}): Promise<ServiceTest<T>> {
  const mocks = new Map<InjectionToken, unknown>();
  const config = options.config ?? ApiConfig;
  const module = await Test.createTestingModule({
    providers: [service, { provide: config, useValue: config.load(options.env ?? {}) }, ...(options.providers ?? [])],
  })
    .useMocker((token) => {
      if (typeof token !== 'function') throw new Error(`no mock for the token ${String(token)}: pass a provider for it`);
      const made = automock(token as Type<unknown>);
      mocks.set(token, made);
      return made;
    })
    .compile();
  return {
    sut: module.get(service),
    mock<R>(type: Type<R>): Mocked<R> {
      const found = mocks.get(type);
      if (!found) throw new Error(`${type.name} is not a mocked collaborator of ${service.name}`);
      return found as Mocked<R>;
    },
    module,
  };
}
