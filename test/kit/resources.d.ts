// Types of resources.js (plain CommonJS: scripts/test.js requires it without a compiler).
import type { Client } from 'pg';

export interface Stack {
  /** The database's and the vhost's name (the same random name). */
  name: string;
  databaseUrl: string;
  amqpUrl: string;
}
export const DEFAULT_SERVER_URL: string;
export const DEFAULT_BROKER_URL: string;
export function urlFor(base: string, name: string): string;
export function newName(prefix: string, bytes?: number): string;
export function quoteIdent(name: string): string;
export function rabbitmqctl(args: string[]): Promise<string>;
export function withServer<T>(serverUrl: string, fn: (client: Client) => Promise<T>, applicationName?: string): Promise<T>;
export function createDatabase(name: string, where: { serverUrl: string; applicationName?: string }): Promise<string>;
export function createVhost(name: string): Promise<void>;
export function createDatabaseAndVhost(name: string, where: { serverUrl: string; brokerUrl: string; applicationName?: string }): Promise<Stack>;
export function dropDatabase(serverUrl: string, name: string, applicationName?: string): Promise<void>;
export function deleteVhost(name: string): Promise<void>;
export function alive(pid: number): boolean;
