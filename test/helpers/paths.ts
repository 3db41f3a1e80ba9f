import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's location (test/helpers/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Read-only shared material that sits beside the repository, in development and in CI. */
export const sharedDir = path.resolve(repoRoot, '../shared');

/** The tiny random-weight GGUF model (llama architecture, 32k tokenizer) used by local-model tests. */
export const tinyModelPath = path.resolve(sharedDir, 'models/llama-2-tiny-random.gguf');
