// Types of resources.js (plain CommonJS, shared with scripts/test.js).
import type { Stack } from '../kit/resources';
export type { Stack };
export const ROOT: string;
export function newName(prefix?: string): string;
export function makeRunDir(): string;
export function rabbitmqctl(args: string[]): Promise<string>;
export function createStack(runDir: string, prefix?: string): Promise<Stack>;
export function dropDatabase(name: string): Promise<void>;
export function deleteVhost(name: string): Promise<void>;
export function cleanupRun(runDir: string | undefined, log?: (message: string) => void): Promise<void>;
export function recordPid(runDir: string, pid: number): void;
export function record(runDir: string, entry: { kind: 'database' | 'vhost'; name: string }): void;
export function serverUrl(database?: string): string;
export function brokerUrl(vhost: string): string;
export function pruneOldLogs(maxAgeMs?: number): void;
export function claimRun(runDir: string): void;
export function sweepDeadRuns(currentRunDir: string, log: (message: string) => void): Promise<void>;
