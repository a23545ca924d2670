import { registry } from '../platform/modules.js';
import { buildProgram } from './program.js';

await buildProgram(registry).parseAsync(process.argv);
