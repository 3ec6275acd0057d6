// The polling loop lives in the kit shared with the bench (test/kit/poll.ts).
export { eventually } from '../kit/poll';
export type { EventuallyOptions } from '../kit/poll';
