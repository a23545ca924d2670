import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { OpenBosError } from '../../api';


/** The scopes named in an `insufficient_scope` problem's detail ("needs the scope `a`, `b`"). */
export function scopesInProblem(error: OpenBosError): string[] {
  return [...error.message.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((s) => s.length > 0);
}

/**
 * A person-readable sentence for a failed action: the problems the settings page expects have
 * their own wording; anything else shows the server's detail.
 */
export function useProblemText() {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  return useCallback(
    (error: unknown): string => {
      if (error instanceof OpenBosError) {
        switch (error.code) {
          case 'insufficient_scope':
            return tc('notAllowed');
          case 'last_owner':
            return t('problem.lastOwner');
          case 'cannot_disable_self':
            return t('problem.cannotDisableSelf');
          case 'email_taken':
            return t('problem.emailTaken');
          case 'webhook_endpoint_disabled':
            return t('problem.endpointDisabled');
          case 'webhook_endpoint_limit':
            return t('problem.endpointLimit');
          case 'not_found':
            return t('problem.notFound');
          case 'invalid_code':
            return t('problem.invalidCode');
          case 'two_factor_required':
            return t('problem.twoFactorRequired');
          case 'rate_limited':
            return t('problem.rateLimited');
          case 'validation_failed':
            return t('problem.validation', { details: error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ') ?? error.message });
        }
      }
      return tc('failed', { message: error instanceof Error ? error.message : String(error) });
    },
    [t, tc],
  );
}

/** The server's message for one field of a 400 `validation_failed`, if it named that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof OpenBosError) || error.code !== 'validation_failed') return undefined;
  const errors = error.fieldErrors();
  return errors[field] ?? Object.entries(errors).find(([name]) => name.startsWith(`${field}.`))?.[1];
}
