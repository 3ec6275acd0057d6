import { Global, Module } from '@nestjs/common';
import { Policy } from './policy';

/** The Policy, for every module: each record service and the feed consult the same one. */
@Global()
@Module({ providers: [Policy], exports: [Policy] })
export class PolicyModule {}
