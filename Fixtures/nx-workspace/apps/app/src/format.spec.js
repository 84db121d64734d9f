import { format } from './format.js';

if (format('x') !== '[app] x') throw new Error('format is broken');
