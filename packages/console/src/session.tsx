import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, type ReactNode } from 'react';
import { bos, setCsrfToken, unwrap, type Schemas } from './api';

export type Session = Schemas['ConsoleSession'];
export type SignInChallenge = Schemas['ConsoleSignInChallenge']['second_factor'];
export type SecondFactorProof = { challenge_token: string; code: string } | { challenge_token: string; recovery_code: string };

interface SessionState {
  session: Session | null;
  loading: boolean;
  /** The password step: signed in, or a second factor comes next. */
  signIn: (input: { merchant: string; email: string; password: string }) => Promise<{ session: Session } | { challenge: SignInChallenge }>;
  /** The second-factor step; the session is adopted by the caller (after showing recovery codes, if any). */
  completeSignIn: (proof: SecondFactorProof) => Promise<Schemas['ConsoleSessionWithRecoveryCodes']>;
  adoptSession: (session: Session) => void;
  signOut: () => Promise<void>;
  /** Whether the signed-in person's role grants this API scope; the server checks it again. */
  can: (scope: string) => boolean;
}

const SessionContext = createContext<SessionState | undefined>(undefined);
export const sessionQueryKey = ['session'] as const;

/**
 * Asks whether this browser is signed in. The state endpoint answers 200 either way, so opening
 * the console signed out leaves no failed request in the browser's console.
 */
async function loadSession(): Promise<Session | null> {
  const { session } = await unwrap(bos.GET('/v1/console/session/state'));
  if (session !== null) setCsrfToken(session.csrf_token);
  return session;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: sessionQueryKey, queryFn: loadSession, staleTime: Infinity, retry: false });

  const adoptSession = useCallback(
    (session: Session) => {
      setCsrfToken(session.csrf_token);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionQueryKey[0] });
      queryClient.setQueryData(sessionQueryKey, session);
    },
    [queryClient],
  );

  const signIn = useCallback(
    async (input: { merchant: string; email: string; password: string }) => {
      const answer = await unwrap(bos.POST('/v1/console/sessions', { body: input }));
      if ('second_factor' in answer) return { challenge: answer.second_factor };
      adoptSession(answer);
      return { session: answer };
    },
    [adoptSession],
  );

  const completeSignIn = useCallback(async (proof: SecondFactorProof) => unwrap(bos.POST('/v1/console/sessions/second-factor', { body: proof })), []);

  const signOut = useCallback(async () => {
    try {
      await unwrap(bos.DELETE('/v1/console/session'));
    } finally {
      setCsrfToken(undefined);
      // Not queryClient.clear(): that would also drop the session query this provider watches,
      // and the provider would go on showing the old session.
      queryClient.setQueryData(sessionQueryKey, null);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionQueryKey[0] });
    }
  }, [queryClient]);

  const value = useMemo<SessionState>(() => {
    const session = query.data ?? null;
    return { session, loading: query.isPending, signIn, completeSignIn, adoptSession, signOut, can: (scope) => session?.scopes.includes(scope) ?? false };
  }, [query.data, query.isPending, signIn, completeSignIn, adoptSession, signOut]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (state === undefined) throw new Error('useSession needs a SessionProvider');
  return state;
}

/** The session where there is a provider (the signed-in console), else undefined (tests of a lone component). */
export function useOptionalSession(): SessionState | undefined {
  return useContext(SessionContext);
}
