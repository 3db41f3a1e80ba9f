// esbuild plugin: `await import('some-cjs-package')` gives the package's named exports in a split bundle too.
//
// Without code splitting esbuild inlines such an import as `__toESM(require_pkg())`, which carries every
// property of module.exports, as Node's own import() of a CommonJS package does. With splitting the package
// becomes a chunk of its own whose ES module namespace holds only `default` (esbuild cannot know the names a
// CommonJS module exports), so `(await import('undici')).Pool` would be undefined. This plugin puts a small
// ES module between the import and the package that re-exports, by name, what the package's module.exports
// holds at build time (Node finds the same names with its CommonJS lexer). ES-module packages pass untouched.
import { createRequire } from 'node:module';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof let new null return super switch this throw true try typeof var void while with yield await ' +
    'implements interface package private protected public static').split(' '),
);
const SKIP = 'cjs-dynamic-imports:resolved';

/** @type {import('esbuild').Plugin} */
export const cjsDynamicImports = {
  name: 'cjs-dynamic-imports',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData === SKIP) return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: SKIP });
      if (resolved.errors.length > 0 || resolved.external || !resolved.path) return undefined;
      // esbuild's own verdict on the file's module format (what decides how it would bundle it).
      const probe = await build.esbuild.build({ entryPoints: [resolved.path], bundle: false, write: false, metafile: true, logLevel: 'silent', platform: 'node', format: 'esm' });
      if (Object.values(probe.metafile.inputs)[0]?.format !== 'cjs') return undefined;
      const names = Object.keys(createRequire(resolved.path)(resolved.path)).filter((n) => IDENTIFIER.test(n) && !RESERVED.has(n));
      return { path: resolved.path, namespace: 'cjs-dynamic-import', pluginData: { names, resolveDir: args.resolveDir } };
    });
    build.onLoad({ filter: /.*/, namespace: 'cjs-dynamic-import' }, (args) => ({
      resolveDir: args.pluginData.resolveDir,
      loader: 'js',
      contents: [
        `import * as ns from ${JSON.stringify(args.path)};`,
        ...args.pluginData.names.map((n) => `export const ${n} = ns.${n};`),
        'export default ns.default;',
      ].join('\n'),
    }));
  },
};
