import { dirname, relative, resolve, sep } from 'node:path';

/** How a path is recorded: relative to the working directory when inside it, so warehouses stay portable. */
export function recordedPath(path: string, cwd: string = process.cwd()): string {
  const absolute = resolve(cwd, path);
  const rel = relative(cwd, absolute);
  if (rel && !rel.startsWith('..') && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel))
    return rel.split(sep).join('/');
  return absolute;
}

/** The folder a warehouse file is in (absolute); the working folder for `:memory:`. */
export function warehouseFolder(dbPath: string): string {
  return dbPath === ':memory:' ? process.cwd() : dirname(resolve(dbPath));
}

/**
 * How a path a view reads is recorded: relative to the warehouse file's folder (with `/`), so the
 * warehouse and its data can move together and be opened from any working folder (see `Warehouse.open`).
 */
export function pathFromWarehouse(dbPath: string, path: string): string {
  return pathFromFolder(warehouseFolder(dbPath), path);
}

/** `path` relative to `folder`, with `/` separators. */
export function pathFromFolder(folder: string, path: string): string {
  const rel = relative(folder, resolve(path));
  return rel === '' ? '.' : rel.split(sep).join('/');
}
