import { Migration20261127000100_activity } from './Migration20261127000100_activity';

/** Listed explicitly: a webpack bundle has no folder to scan. Append new ones in order. */
export const ACTIVITY_MIGRATIONS = [{ name: 'Migration20261127000100_activity', class: Migration20261127000100_activity }];
