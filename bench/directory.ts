// `npm run bench -- directory <dir> --operators N --loops L [--domain D]`: writes the load tool's account
// layout (users, role, loops with one multicast group each) in the openvocs directory layout, for a backend
// the load tool does not start itself (e.g. the openvocs reference: <db.path>/auth/…; docs/benchmarks.md).
import { parseArgs } from 'node:util';
import { DEFAULT_ACCOUNTS, writeBenchDirectory } from './lib/directory.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    operators: { type: 'string', default: '400' },
    loops: { type: 'string', default: '24' },
    domain: { type: 'string', default: 'bench' },
    users: { type: 'string', default: DEFAULT_ACCOUNTS.userPrefix },
    password: { type: 'string', default: DEFAULT_ACCOUNTS.password },
    role: { type: 'string', default: DEFAULT_ACCOUNTS.role },
    'loop-prefix': { type: 'string', default: DEFAULT_ACCOUNTS.loopPrefix },
  },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: npm run bench -- directory <dir> [--operators N] [--loops L] [--domain D]');
  process.exit(2);
}
const accounts = { userPrefix: values.users, password: values.password, role: values.role, loopPrefix: values['loop-prefix'] };
await writeBenchDirectory(dir, Number(values.operators), Number(values.loops), accounts, values.domain);
console.log(`wrote ${values.operators} users and ${values.loops} loops of domain ${values.domain} under ${dir}/auth`);
