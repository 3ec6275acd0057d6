import { Injectable } from '@nestjs/common';

export interface InteractionLogView {
  id: string;
  timestamp: string;
  user: string;
  type: string;
  summary: string;
  lead: string | null;
  contact: string | null;
  opportunity: string | null;
  source: string;
}

@Injectable()
export class FeedService {
  /** Resolves with the log once the activity-logger has written it, or null after timeoutMs. */
  async waitForLog(_id: string, _timeoutMs: number): Promise<InteractionLogView | null> {
    throw new Error('FeedService.waitForLog: being written');
  }
}
