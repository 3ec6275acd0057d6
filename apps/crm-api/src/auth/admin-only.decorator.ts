import { SetMetadata } from '@nestjs/common';

export const ADMIN_ONLY = 'crm:admin-only';

/** Only an admin may call the route; others get 403 before their body is even read. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);
