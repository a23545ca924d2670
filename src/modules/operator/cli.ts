import { Option } from 'commander';
import type { CliCommand, CliContext } from '../../kernel/cli.js';
import { Problem } from '../../kernel/problem.js';
import { consoleRoles, type ConsoleRole } from '../merchants/index.js';
import { addOperatorUser, operator_handle_default } from './operators.js';

interface AddUserOptions {
  email: string;
  name: string;
  role: ConsoleRole;
  account: string;
}

async function addUser(cli: CliContext, options: AddUserOptions): Promise<number> {
  return cli.withDatabase(async ({ db }) => {
    try {
      const { account, user, password } = await addOperatorUser(db, { handle: options.account, email: options.email, name: options.name, role: options.role }, 'cli');
      cli.out(`Added ${user.name} <${user.email}> as ${user.role} of the platform operator's account ${account.handle}.`);
      cli.out(`Sign in to the console with store ${account.handle}, email ${user.email} and the password (shown only now):\n\n  ${password}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      cli.err(`${error.title}: ${error.detail ?? ''}`);
      return 1;
    }
  });
}

/** `bos operator add-user`: people of the platform operator, who see every seller's balance and decide disputes. */
export const commands: readonly CliCommand[] = [
  {
    name: 'operator',
    description: 'the platform operator’s people (every seller’s balance, disputes)',
    register(operator, cli) {
      operator
        .command('add-user')
        .description('add a person to the platform operator’s account (made on first use), with a random password')
        .requiredOption('--email <email>', 'their email, to sign in with')
        .requiredOption('--name <name>', 'their name')
        .addOption(new Option('--role <role>', 'viewers may look; the others also decide disputes').choices([...consoleRoles]).default('owner'))
        .option('--account <handle>', 'the operator’s account', operator_handle_default)
        .action(async (options: AddUserOptions) => cli.exit(await addUser(cli, options)));
    },
  },
];
