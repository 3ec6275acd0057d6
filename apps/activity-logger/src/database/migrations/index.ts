import { Migration20261127000100_activity } from './Migration20261127000100_activity';
import { Migration20261201000100_rerender_progress } from './Migration20261201000100_rerender_progress';
import { Migration20261201000200_interaction_log_archive } from './Migration20261201000200_interaction_log_archive';
import { Migration20261202000100_recorded_at } from './Migration20261202000100_recorded_at';
import { Migration20261210000100_partitioned_log } from './Migration20261210000100_partitioned_log';
import { Migration20261203000300_rollup_indexes } from './Migration20261203000300_rollup_indexes';
import { Migration20261203000400_log_edits } from './Migration20261203000400_log_edits';

/** Listed explicitly: a webpack bundle has no folder to scan. Append new ones in order. */
export const ACTIVITY_MIGRATIONS = [
  { name: 'Migration20261127000100_activity', class: Migration20261127000100_activity },
  { name: 'Migration20261201000100_rerender_progress', class: Migration20261201000100_rerender_progress },
  { name: 'Migration20261201000200_interaction_log_archive', class: Migration20261201000200_interaction_log_archive },
  { name: 'Migration20261202000100_recorded_at', class: Migration20261202000100_recorded_at },
  { name: 'Migration20261210000100_partitioned_log', class: Migration20261210000100_partitioned_log },
  // After the partitioning although their names sort before it: the list's order is the order run.
  { name: 'Migration20261203000300_rollup_indexes', class: Migration20261203000300_rollup_indexes },
  { name: 'Migration20261203000400_log_edits', class: Migration20261203000400_log_edits },
];
