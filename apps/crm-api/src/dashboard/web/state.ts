import { TOKEN_KEY } from './constants.js';
import type { Filters, RecordRef } from './types.js';

/** The page's one mutable state, shared by its modules. */
export const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  filters: {} as Filters,
  /** Bumped by every reload of the feed: answers for an older view are dropped. */
  view: 0,
  abort: null as AbortController | null,
  next: null as string | null,
  /** id → its entry on the page: one entry per log, replaced in place when it comes again. */
  shown: new Map<string, HTMLElement>(),
  /** The timeline's record, once fetched: { kind, id }. */
  record: null as RecordRef | null,
  /** 'kind:id' → its display name (null if it cannot be had), fetched once. */
  names: new Map<string, Promise<string | null>>(),
  statusTimer: undefined as number | undefined,
};
