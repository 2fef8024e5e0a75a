import type { Command } from 'commander';
import type { Output } from './output.ts';
import type { IngestReport, Warehouse } from './warehouse.ts';

/** What a plugin's commands get from the CLI: the global options, resolved. */
export interface CliContext {
  /** Opens the warehouse named by --db / MLDUCK_DB (read-only when --read-only or when asked). */
  openWarehouse(options?: { readOnly?: boolean }): Promise<Warehouse>;
  /** The resolved warehouse path. */
  readonly dbPath: string;
  readonly out: Output;
}

export interface DemoContext {
  /** The examples/ folder of the package. */
  readonly examplesDir: string;
  readonly out: Output;
}

/**
 * A source or a tool that plugs into mlduck without the core knowing it: it adds its commands to the
 * CLI (`mlduck ingest <kind>` subcommands under `ingest`, or top-level commands) and its step of the demo.
 */
export interface MlduckPlugin {
  readonly name: string;
  /** Adds `mlduck ingest <name> …` (or more) to the `ingest` command group. */
  registerIngest?(ingest: Command, ctx: CliContext): void;
  /** Adds top-level commands (`mlduck tokenize`, `mlduck datasets …`). */
  registerCommands?(program: Command, ctx: CliContext): void;
  /** Builds this plugin's part of the demo warehouse from `examples/`. Runs in registry order. */
  demo?(wh: Warehouse, ctx: DemoContext): Promise<IngestReport[]>;
}
