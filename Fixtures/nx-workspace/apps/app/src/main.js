import { greet } from '../../../libs/lib/src/index.js';
import { format } from './format.js';

console.log(format(greet('fixture')));
