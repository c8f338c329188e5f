// TypeBox as netnest imports it. `npm run build` replaces this module's
// output with TypeBox bundled into one file (esbuild): the package is some
// 700 ES modules, and loading them one by one added about 0.4 s to the
// start of every process using netnest. The types are the package's own.
export { default as Type, type Static, type TSchema } from 'typebox';
export { Compile } from 'typebox/compile';
