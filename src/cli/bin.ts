// The program. Exit codes are documented in the README and `postfix-fix --help`.
import { exitWhenDone } from './exit.js';
import { main } from './main.js';

exitWhenDone(main(process.argv.slice(2)));
