import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Output } from '../output.ts';
import type { MlduckPlugin } from '../plugin.ts';
import { describeReport } from '../report.ts';
import { PACKAGE_ROOT } from '../version.ts';
import { type IngestReport, Warehouse } from '../warehouse.ts';

export interface DemoOptions {
  dbPath: string;
  plugins: readonly MlduckPlugin[];
  out: Output;
  /** Start from an empty warehouse. */
  fresh?: boolean;
  examplesDir?: string;
}

/** Builds the demo warehouse from `examples/`: every plugin's demo step in registry order. */
export async function buildDemo(options: DemoOptions): Promise<{ wh: Warehouse; reports: IngestReport[] }> {
  if (options.fresh && existsSync(options.dbPath)) {
    rmSync(options.dbPath);
    rmSync(`${options.dbPath}.wal`, { force: true });
  }
  const wh = await Warehouse.open(options.dbPath);
  const examplesDir = options.examplesDir ?? join(PACKAGE_ROOT, 'examples');
  const reports: IngestReport[] = [];
  try {
    for (const plugin of options.plugins) {
      if (!plugin.demo) continue;
      options.out.info(`demo: ${plugin.name}`);
      for (const report of await plugin.demo(wh, { examplesDir, out: options.out })) {
        options.out.info(`  ${describeReport(report)}`);
        for (const w of report.warnings) options.out.info(`    warning: ${w}`);
        reports.push(report);
      }
    }
  } catch (error) {
    wh.close();
    throw error;
  }
  return { wh, reports };
}
