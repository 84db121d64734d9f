import { greet } from './index.js';

if (greet('x') !== 'hello, x') throw new Error('greet is broken');
