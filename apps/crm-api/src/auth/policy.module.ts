import { Global, Module } from '@nestjs/common';
import { Policy } from './policy';
import { RecordAccess } from './record-access';
import { RecordRefsRepository } from './record-refs.repository';

/** The Policy and its checks on referenced records, for every module: each record service and the feed consult the same one. */
@Global()
@Module({ providers: [Policy, RecordAccess, RecordRefsRepository], exports: [Policy, RecordAccess] })
export class PolicyModule {}
