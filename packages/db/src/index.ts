export { createDb, type CreateDbOptions, type Db, type DbLogger, type Queryable } from './create-db.js';
export { runMigrations, dropDatabase, MIGRATIONS_DIR, type RunMigrationsOptions } from './run-migrations.js';
export * from './repositories/locations.repository.js';
export * from './repositories/runs.repository.js';
export * from './repositories/pages.repository.js';
export * from './repositories/opportunities.repository.js';
export * from './repositories/sweep.repository.js';
export * from './repositories/pipelines.repository.js';
export * from './repositories/run-errors.repository.js';
