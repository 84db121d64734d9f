// The reference workload (SPEC: The reference workload): read input.txt, write it upper-cased to
// output/output.txt.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const inputPath = join(here, 'input.txt');
const outputDir = join(here, 'output');
const outputPath = join(outputDir, 'output.txt');

console.log(`Reading from: ${inputPath}`);
const content = readFileSync(inputPath, 'utf8');
console.log(content);

mkdirSync(outputDir, { recursive: true });
console.log(`Writing to: ${outputPath}`);
writeFileSync(outputPath, content.toUpperCase());
console.log('Done!');
