import type { ChildProcess } from 'node:child_process';

/** State handed from one suite to the next (they run in order in one extension host). */
export const shared: { outside?: ChildProcess } = {};
