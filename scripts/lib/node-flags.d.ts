// Types of node-flags.js (plain CommonJS: scripts/start.js and scripts/migrate.js require it without a compiler).
export type AppName = 'crm-api' | 'activity-logger';
export const NODE_FLAGS: Readonly<Record<AppName, readonly string[]>>;
export function nodeFlagsOf(app: AppName): readonly string[];
export function argvOf(app: AppName, entry: string, args?: readonly string[]): string[];
