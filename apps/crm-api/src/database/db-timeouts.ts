import { DbTimeouts } from '@app/platform';
import { ApiConfig } from '../config/api.config';

/** The bounds of every database round trip of crm-api (each of its pools and listeners). */
export function dbTimeouts(config: ApiConfig): DbTimeouts {
  return { connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS, queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS };
}
