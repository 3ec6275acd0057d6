import type { ConsumeMessage } from 'amqplib';
import { LOGGER_DEAD_LETTER_QUEUE, parseEvent } from '@app/contracts';
import { DeadLetterQueue } from './dead-letter.queue';
import { describeDeadLetter } from './dead-letter.view';
import { DLQ_USAGE, DlqCommand, parseDlqArgs } from './dlq.args';
import { formatList, formatShow } from './dlq.format';
import { replayMessage } from './replay.message';

type Out = (line: string) => void;

/** `main.js dlq ...`: returns the exit code (0 done, 1 failed or not found, 2 bad usage). */
export async function runDlq(argv: string[], amqpUrl: string, out: Out, err: Out): Promise<number> {
  const command = parseDlqArgs(argv);
  if (typeof command === 'string') {
    err(command);
    err(DLQ_USAGE);
    return 2;
  }
  const dlq = await DeadLetterQueue.open(amqpUrl);
  try {
    const depth = await dlq.depth();
    if (depth === null) {
      err(`${LOGGER_DEAD_LETTER_QUEUE} does not exist in this vhost: has an activity-logger run against this AMQP_URL?`);
      return 1;
    }
    return await run(command, dlq, depth, out, err);
  } finally {
    await dlq.close();
  }
}

async function run(command: DlqCommand, dlq: DeadLetterQueue, depth: number, out: Out, err: Out): Promise<number> {
  switch (command.action) {
    case 'purge': {
      if (!command.yes) {
        err(`${depth} dead letter(s) in ${LOGGER_DEAD_LETTER_QUEUE} would be deleted for good: run again with --yes`);
        return 2;
      }
      out(`purged ${await dlq.purge()} dead letter(s) from ${LOGGER_DEAD_LETTER_QUEUE}`);
      return 0;
    }
    case 'list': {
      const browse = await dlq.browse(command.limit);
      try {
        formatList(browse.messages.map(describeDeadLetter), LOGGER_DEAD_LETTER_QUEUE, browse.depth).forEach(out);
      } finally {
        await browse.release();
      }
      return 0;
    }
    case 'show': {
      const browse = await dlq.browse(command.limit);
      try {
        const msg = browse.messages.find((m) => describeDeadLetter(m).id === command.id);
        if (!msg) {
          err(`no dead letter with id ${command.id} among the ${browse.messages.length} read`);
          return 1;
        }
        formatShow(msg).forEach(out);
        return 0;
      } finally {
        await browse.release();
      }
    }
    case 'replay':
      return replay(command, dlq, out, err);
  }
}

async function replay(command: Extract<DlqCommand, { action: 'replay' }>, dlq: DeadLetterQueue, out: Out, err: Out): Promise<number> {
  const browse = await dlq.browse(command.limit);
  try {
    const chosen = browse.messages.filter((m) => command.all || command.ids.includes(describeDeadLetter(m).id ?? ''));
    const missing = command.ids.filter((id) => !chosen.some((m) => describeDeadLetter(m).id === id));
    // The same validation as the consumer's: a message that would only be dead-lettered
    // again stays where it is, so `replay --all` after a fix moves exactly what was fixed.
    const ready: ConsumeMessage[] = [];
    for (const msg of chosen) {
      const parsed = parseEvent(msg.content);
      if (parsed.ok || command.force) ready.push(msg);
      else out(`skipped ${describeDeadLetter(msg).id ?? '(no id)'}: still invalid (${parsed.reason.slice(0, 200)}); --force sends it anyway`);
    }
    const messages = ready.map(replayMessage);
    // Acked off the DLQ only once the broker confirmed the copy into a queue: a crash in
    // between leaves both, and the event id makes the second replay harmless.
    const { confirmed, failed } = await dlq.publishConfirmed(messages);
    for (const m of confirmed) browse.ack(ready[messages.indexOf(m)]);
    for (const f of failed) err(`not replayed ${f.message.options.messageId ?? '(no id)'}: ${f.reason}`);
    for (const id of missing) err(`no dead letter with id ${id} among the ${browse.messages.length} read`);
    if (browse.messages.length < browse.depth) out(`read ${browse.messages.length} of ${browse.depth} dead letters (--limit): run again for the rest`);
    out(`replayed ${confirmed.length}, skipped ${chosen.length - ready.length}, failed ${failed.length}, not found ${missing.length}`);
    return failed.length > 0 || missing.length > 0 ? 1 : 0;
  } finally {
    await browse.release();
  }
}
