/** Types of buildWasm.mjs, for the test that checks the committed module against the .wat. */
export function compileKernels(): Promise<string>;
export function kernelsSource(base64: string): string;
