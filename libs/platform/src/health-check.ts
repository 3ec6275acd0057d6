import { ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';

/**
 * The result of a terminus check, whether it passed or not: HealthCheckService.check
 * throws it inside a 503 when an indicator is down (or the app is closing). Both apps
 * answer with bodies of their own (`{"status","database","broker",…}`, what clients
 * read), shaped from this, so the 503 terminus would send is not passed on as is.
 */
export function checkResult(check: Promise<HealthCheckResult>): Promise<HealthCheckResult> {
  return check.catch((error: unknown) => {
    if (error instanceof ServiceUnavailableException) return error.getResponse() as HealthCheckResult;
    throw error;
  });
}

/** `up` or `down`: what one indicator of a result said (an indicator that did not answer is down). */
export function indicatorState(result: HealthCheckResult, key: string): 'up' | 'down' {
  return result.details[key]?.status === 'up' ? 'up' : 'down';
}
