// The fixture workspace's one build tool, driven by its arguments so that each target's command says what it
// reads and writes:
//
//   node tools/build.mjs --src DIR... [--read FILE]... --out FILE [--write FILE]...
//
// Concatenates every .js file under each --src directory (spec files left out) and each --read file into
// --out, then writes a line to each --write file. It also reads .browserslistrc at the workspace root when
// there is one, as front-end tools do.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const sources = [];
const reads = [];
const writes = [];
let out;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  // nx:run-commands passes the target's other options on as --name=value: not ours to read.
  if (args[i].includes('=')) {
    i -= 1;
    continue;
  }
  const [flag, value] = [args[i], args[i + 1]];
  if (value === undefined) throw new Error(`${flag} needs a value`);
  if (flag === '--src') sources.push(value);
  else if (flag === '--read') reads.push(value);
  else if (flag === '--write') writes.push(value);
  else if (flag === '--out') out = value;
  else throw new Error(`unknown argument ${flag}`);
}
if (!out) throw new Error('--out FILE is required');

function walk(directory) {
  return readdirSync(directory, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith('.js') && !entry.name.endsWith('.spec.js') ? [path] : [];
    });
}

let bundle = '';
if (existsSync('.browserslistrc')) bundle += `// targets: ${readFileSync('.browserslistrc', 'utf8').trim()}\n`;
for (const file of sources.flatMap(walk).concat(reads)) {
  bundle += `// ${file}\n${readFileSync(file, 'utf8')}`;
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, bundle);
for (const file of writes) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `built ${out}\n`);
}
console.log(`wrote ${out} (${bundle.length} bytes)`);
