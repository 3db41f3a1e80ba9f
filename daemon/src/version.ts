/** Replaced at bundle time by esbuild's `define`; read from package.json when running from source. */
declare const __SWITCHBOARD_VERSION__: string | undefined;
export const VERSION: string = typeof __SWITCHBOARD_VERSION__ === 'string' ? __SWITCHBOARD_VERSION__ : '0.0.0-dev';
