import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';

/**
 * The OpenAPI description is generated from the same zod schemas that validate
 * requests, so the two cannot drift. `input` describes what a client may send
 * (a number or a string for money), `output` what the API answers.
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): SchemaObject {
  return z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'any' }) as SchemaObject;
}

export const ApiZodBody = (schema: z.ZodType, required = true) => ApiBody({ schema: jsonSchema(schema), required });

export const ApiZodResponse = (status: number, schema: z.ZodType, description?: string) => ApiResponse({ status, schema: jsonSchema(schema, 'output'), description });

export const ApiListResponse = (item: z.ZodType) =>
  ApiZodResponse(200, z.object({ results: z.array(item), next: z.string().nullable().describe('the next page, or null on the last') }));

/** One documented query parameter per key of a list's (strict) query schema. */
export function ApiZodQuery(schema: z.ZodObject) {
  const json = jsonSchema(schema) as { properties?: Record<string, SchemaObject> };
  return applyDecorators(...Object.entries(json.properties ?? {}).map(([name, s]) => ApiQuery({ name, required: false, schema: s })));
}

const ErrorSchema = z.object({
  status: z.number().int(),
  error: z.string(),
  message: z.union([z.string(), z.array(z.string())]),
});

/** The error answers common to authenticated routes. */
export const ApiErrors = (...statuses: number[]) => applyDecorators(...statuses.map((status) => ApiZodResponse(status, ErrorSchema, ERROR_TEXT[status])));

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid body, query or id (the message names each bad field)',
  401: 'no valid bearer token',
  403: 'not allowed for this user',
  404: 'no record with this id',
  409: 'conflicts with the current state',
  412: 'If-Match: the record changed since that ETag; nothing was written',
  413: 'body too large',
  415: 'body is not application/json',
  422: 'Idempotency-Key: already used with a different request',
  429: 'too many failed attempts; see Retry-After',
};

/** A 204 answer: done, and no body. */
export const ApiNoContent = (description: string) => ApiResponse({ status: 204, description });

/** A DELETE's answer: 204 and no body (its earlier logs stay in the feed). */
export const ApiDeleted = () => ApiNoContent('deleted; its logs stay in the feed');

/**
 * A PATCH that honours If-Match (optimistic concurrency, common/etag.ts): the header, and
 * the 412 when the record changed since. Record answers carry the ETag to send.
 */
export const ApiIfMatch = () =>
  applyDecorators(
    ApiHeader({ name: 'If-Match', required: false, description: 'the ETag of the version this change was made on: 412 when the record has changed since' }),
    ApiErrors(412),
  );
