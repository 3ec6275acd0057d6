export interface ClusterNode {
  name: string;
  port: number;
  url(vhost?: string): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  isRunning(): boolean;
  log(): string;
}
export interface DescribedCluster {
  dir: string;
  nodes: { short: string; name: string; port: number; distPort: number }[];
}
export interface RabbitCluster {
  dir: string;
  nodes: ClusterNode[];
  amqpUrl(vhost?: string): string;
  ctl(args: string[], timeoutMs?: number): Promise<string>;
  leaderOf(queue: string, vhost?: string): Promise<string | null>;
  nodeOfConnection(connectionName: string): Promise<string | null>;
  destroy(): Promise<void>;
  describe(): DescribedCluster;
}
export function startRabbitCluster(options?: { size?: number; keep?: boolean; dir?: string }): Promise<RabbitCluster>;
export function stopDescribedCluster(described: DescribedCluster): Promise<void>;
