import { errorMessage, MlduckError, oneLineDuckDBMessage } from '../errors.ts';
import type { ResultSet } from '../format.ts';
import type { Warehouse } from '../warehouse.ts';

/**
 * Runs one or more SQL statements and returns the result of the last. Several statements on a writable
 * warehouse run in one transaction, so a failing statement leaves the warehouse as it was.
 */
export async function runQuery(wh: Warehouse, sql: string): Promise<ResultSet> {
  let statementCount: number;
  try {
    statementCount = (await wh.conn.extractStatements(sql)).count;
  } catch (error) {
    throw new MlduckError(`SQL error: ${oneLineDuckDBMessage(errorMessage(error))}`, { kind: 'input' });
  }
  if (statementCount === 0) throw new MlduckError('no SQL statement given', { kind: 'usage' });
  const execute = async (): Promise<ResultSet> => {
    const reader = await wh.conn.runAndReadAll(sql);
    return { columns: reader.columnNames(), rows: reader.getRowsJS() };
  };
  try {
    return statementCount > 1 && !wh.readOnly ? await wh.transaction(execute) : await execute();
  } catch (error) {
    if (error instanceof MlduckError) throw error;
    throw new MlduckError(`SQL error: ${oneLineDuckDBMessage(errorMessage(error))}`, {
      kind: 'input',
      cause: error,
    });
  }
}
