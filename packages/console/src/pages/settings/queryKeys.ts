/** What the settings tabs cache, so a change in one tab refreshes what another shows. */
export const apiKeysQueryKey = ['api-keys'] as const;
export const usersQueryKey = ['console-users'] as const;
export const endpointsQueryKey = ['webhook-endpoints'] as const;
export const auditQueryKey = ['audit-events'] as const;
export const deliveriesQueryKey = (endpoint_id: string) => ['webhook-deliveries', endpoint_id] as const;
export const twoFactorQueryKey = ['two-factor'] as const;
export const twoFactorPolicyQueryKey = ['two-factor-policy'] as const;
