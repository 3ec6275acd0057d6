import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'crm:public';

/** Opens a route to callers without a token (health, metrics, the token route itself). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
