export function isRoot(): boolean;
export function freePort(): Promise<number>;
export function tempDirFor(user: string, prefix: string): string;
export function asUser(user: string, cmd: string, args: string[], env?: Record<string, string>): [string, string[]];
export function run(user: string, cmd: string, args: string[], env?: Record<string, string>, timeoutMs?: number): Promise<string>;
export function runSync(user: string, cmd: string, args: string[], env?: Record<string, string>): void;
export function tail(file: string, lines?: number): string;
export function recordEngine(entry: Record<string, unknown>): void;
