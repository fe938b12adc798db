// Loads a module of src/ (TypeScript) into a Node script: bundled by esbuild, imported from memory.
import * as esbuild from 'esbuild';

export async function importTypeScript(file) {
  const bundled = await esbuild.build({ entryPoints: [file], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'silent' });
  return import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`);
}
