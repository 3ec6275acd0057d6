import { planRerender } from './rerender.plan';
import { parseRerenderArgs, RERENDER_USAGE } from './rerender.args';
import { RerenderRepository } from './rerender.repository';

type Out = (line: string) => void;

/** How many unrenderable rows are named one by one before only being counted. */
const MAX_REPORTED = 20;

/**
 * `main.js rerender [--batch N]`: one pass over activity.interaction_log in id order.
 * Idempotent (a second pass changes nothing) and resumable (progress is committed with
 * each batch, so a run stopped by anything, even SIGKILL, continues where it stopped).
 * Run it once every logger runs the build with the new texts: a row written meanwhile by
 * an older logger, behind the pass's position, keeps the old text until the next pass.
 * Exit code: 0 done, 1 done but some rows could not be rendered (or failed), 2 bad usage, 3 another rerender is running.
 */
export async function runRerender(argv: string[], databaseUrl: string, out: Out, err: Out): Promise<number> {
  const args = parseRerenderArgs(argv);
  if (typeof args === 'string') {
    err(args);
    err(RERENDER_USAGE);
    return 2;
  }
  const repo = await RerenderRepository.connect(databaseUrl);
  try {
    if (!(await repo.tryLock())) {
      err('another rerender is running against this database: not starting a second one');
      return 3;
    }
    const { progress, resumed } = await repo.startOrResume();
    out(resumed ? `resuming the pass started ${progress.startedAt.toISOString()} after id ${progress.lastId ?? '(start)'}` : 'starting a new pass');
    let lastId = progress.lastId;
    let scanned = 0;
    let changed = 0;
    let batches = 0;
    let unrenderable = 0;
    for (;;) {
      const { rows, changed: n } = await repo.batch(lastId, args.batch, (read) => {
        const plan = planRerender(read);
        for (const u of plan.unrenderable) {
          if (unrenderable++ < MAX_REPORTED) err(`left as is ${u.id}: ${u.reason}`);
        }
        return plan.changes;
      });
      if (rows.length === 0) break;
      batches++;
      scanned += rows.length;
      changed += n;
      lastId = rows[rows.length - 1].id;
      if (rows.length < args.batch) break;
    }
    await repo.finish();
    out(
      `rerender: scanned ${scanned}, changed ${changed}, unrenderable ${unrenderable}, batches ${batches}` +
        (resumed ? ` (whole pass: scanned ${progress.scanned + scanned}, changed ${progress.changed + changed})` : ''),
    );
    return unrenderable > 0 ? 1 : 0;
  } finally {
    await repo.close();
  }
}
