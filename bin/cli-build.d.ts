/** Every source file of the CLI (TypeScript, and the JavaScript workers beside it), absolute. */
export declare function cliSourceFiles(root: string): string[];
/** The compiled entry (dist/cli/mlduck.js, the bundle) when it is current, else null. */
export declare function currentCliBuild(root: string): string | null;
/** Compiles the CLI's sources file by file into dist/cli/, and bundles main.ts into dist/cli/mlduck.js; returns the bundle. */
export declare function buildCli(root: string): Promise<string>;
