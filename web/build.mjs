// Builds the portal and console into web/dist with Vite. `npm install` (prepare) always builds;
// `npm start` (prestart) and the browser tests build only when the output is missing or older than a source.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const output = join(root, 'dist', 'index.html');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Whether web/dist is missing or older than web/index.html, web/src or this script. */
export function isStale() {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return [join(root, 'index.html'), join(root, 'src'), join(root, 'public'), fileURLToPath(import.meta.url)].some((p) => existsSync(p) && newest(p) > built);
}

export async function buildWeb() {
  const [{ build }, { default: react }] = await Promise.all([import('vite'), import('@vitejs/plugin-react')]);
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir: join(root, 'dist'), emptyOutDir: true, sourcemap: false },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const onlyIfStale = process.argv.includes('--if-stale');
  if (!onlyIfStale || isStale()) {
    await buildWeb();
    process.stdout.write('web app built into web/dist\n');
  }
}
