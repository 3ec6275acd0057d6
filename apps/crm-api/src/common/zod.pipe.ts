import { Param, PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from './domain-error';

// A missing field reads "name: required" rather than zod's "expected string, received undefined".
z.config({ customError: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined) });

/** One line per problem, each naming its field: "amount: ...", "foo: unknown field". */
export function describeIssues(error: z.ZodError, where: string): string[] {
  const lines: string[] = [];
  const unknown = where === 'query' ? 'unknown parameter' : 'unknown field';
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${path ? `${path}.` : ''}${key}: ${unknown}`);
    } else {
      lines.push(`${path || where}: ${issue.message}`);
    }
  }
  return lines;
}

/**
 * Validates one parameter (body, query or path) against a zod schema and hands the
 * handler the parsed, typed value. A failure is a DomainError('invalid'): the global
 * filter answers 400 with one entry per bad field.
 */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    readonly schema: S,
    private readonly where: string = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    throw DomainError.invalid(describeIssues(result.error, this.where));
  }
}

const UuidParam = z.uuid({ message: 'must be a UUID' });

/** `:id` path parameter, refused with 400 unless it is a UUID (so it never reaches SQL malformed). */
export const IdParam = (name = 'id') => Param(name, new ZodPipe(UuidParam, name));
