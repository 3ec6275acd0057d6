import { SetMetadata } from '@nestjs/common';

export const SESSION_ONLY = 'crm:session-only';

/** A route about a person's session or password (logout, own password): an API key gets 403. */
export const SessionOnly = () => SetMetadata(SESSION_ONLY, true);
