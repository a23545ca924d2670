import { z } from 'zod';
import { defineSettings, type Config } from '../../kernel/config.js';
import { destinationPolicy, parseAllowedHosts, type DestinationPolicy } from './destinations.js';

/** The webhooks module's environment variables. */
export const webhookSettings = defineSettings({
  OPENBOS_WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .superRefine((text, ctx) => {
      try {
        parseAllowedHosts(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .describe('comma-separated host names, IP addresses or CIDR ranges that webhook endpoints may reach although they are loopback, private or link-local (e.g. 127.0.0.1,localhost); empty: none'),
});

const policies = new WeakMap<Config, DestinationPolicy>();

/** The destination policy of this configuration, built once: the allow-list parsed, the system resolver. */
export function destinationPolicyOf(config: Config): DestinationPolicy {
  let policy = policies.get(config);
  if (policy === undefined) {
    policy = destinationPolicy(webhookSettings.of(config).OPENBOS_WEBHOOK_ALLOWED_HOSTS);
    policies.set(config, policy);
  }
  return policy;
}
