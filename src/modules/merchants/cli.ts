import { Option } from 'commander';
import type { CliCommand, CliContext } from '../../kernel/cli.js';
import type { ModuleContext } from '../../kernel/module.js';
import { Problem } from '../../kernel/problem.js';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.js';
import { findMerchantByHandle, getMerchant } from './merchants.js';

/** The merchant of a handle or an ID (`mer_…`), or undefined after saying that there is none. */
export async function merchantIdOf(ctx: ModuleContext, cli: CliContext, handle: string): Promise<string | undefined> {
  if (/^mer_/.test(handle)) {
    const byId = await getMerchant(ctx.db, handle);
    if (byId === undefined) cli.err(`No merchant with the ID ${handle}.`);
    return byId?.id;
  }
  const merchant = await findMerchantByHandle(ctx.db, handle);
  if (merchant === undefined) cli.err(`No merchant with the handle "${handle}".`);
  return merchant?.id;
}

interface CreateKeyOptions {
  merchant: string;
  kind: 'secret' | 'publishable';
  scopes?: string;
  name?: string;
  json?: boolean;
}

async function createKey(cli: CliContext, options: CreateKeyOptions): Promise<number> {
  return cli.withDatabase(async (ctx) => {
    const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
    if (merchant_id === undefined) return 1;
    const scopes = options.scopes?.split(',').map((s) => s.trim()).filter((s) => s !== '');
    try {
      const input = { merchant_id, kind: options.kind, ...(options.name === undefined ? {} : { name: options.name }), ...(scopes === undefined ? {} : { scopes }) };
      const { key, token } = await createApiKey(ctx.db, input, 'cli', ctx.registry.scopes);
      if (options.json === true) cli.out(JSON.stringify({ id: key.id, merchant: options.merchant, merchant_id, kind: key.kind, scopes: key.scopes, key: token }));
      else cli.out(`Created ${key.kind} key ${key.id} for ${options.merchant} with scopes ${key.scopes.join(', ')}:\n\n  ${token}\n\nIt is shown only now; store it safely.`);
      return 0;
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      cli.err(`${error.title}: ${error.detail ?? ''}`);
      for (const e of error.errors ?? []) cli.err(`  ${e.field}: ${e.message}`);
      return 1;
    }
  });
}

async function revokeKey(cli: CliContext, handle: string, key_id: string): Promise<number> {
  return cli.withDatabase(async (ctx) => {
    const merchant_id = await merchantIdOf(ctx, cli, handle);
    if (merchant_id === undefined) return 1;
    const key = await revokeApiKey(ctx.db, merchant_id, key_id, 'cli');
    if (key === undefined) {
      cli.err(`${handle} has no key ${key_id}.`);
      return 1;
    }
    cli.out(`Revoked ${key.id} (${key.token_hint}).`);
    return 0;
  });
}

async function listKeys(cli: CliContext, handle: string): Promise<number> {
  return cli.withDatabase(async (ctx) => {
    const merchant_id = await merchantIdOf(ctx, cli, handle);
    if (merchant_id === undefined) return 1;
    const keys = await listApiKeys(ctx.db, merchant_id, undefined, 1_000);
    for (const k of keys) cli.out(`${k.id}  ${k.kind.padEnd(11)} ${k.token_hint}  ${k.revoked_at === null ? 'active ' : 'revoked'}  ${k.scopes.join(',')}`);
    return 0;
  });
}

/** `bos keys create|list|revoke`. */
export const commands: readonly CliCommand[] = [
  {
    name: 'keys',
    description: 'create, list and revoke API keys',
    register(keys, cli) {
      keys
        .command('create')
        .description('create an API key for a merchant')
        .requiredOption('--merchant <handle>', 'merchant handle, e.g. demo-brand')
        .addOption(new Option('--kind <kind>', 'secret (servers) or publishable (storefronts, event ingestion)').choices(['secret', 'publishable']).default('secret'))
        .option('--scopes <scopes>', 'comma-separated scopes (default: all the kind allows)')
        .option('--name <name>', 'a label for the key')
        .option('--json', 'print one JSON object holding the key')
        .action(async (options: CreateKeyOptions) => cli.exit(await createKey(cli, options)));
      keys
        .command('revoke')
        .description('revoke an API key')
        .requiredOption('--merchant <handle>', 'merchant handle')
        .argument('<key_id>', 'the key ID (key_...)')
        .action(async (key_id: string, options: { merchant: string }) => cli.exit(await revokeKey(cli, options.merchant, key_id)));
      keys
        .command('list')
        .description("list a merchant's API keys")
        .requiredOption('--merchant <handle>', 'merchant handle')
        .action(async (options: { merchant: string }) => cli.exit(await listKeys(cli, options.merchant)));
    },
  },
];
