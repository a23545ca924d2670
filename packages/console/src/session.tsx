import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, type ReactNode } from 'react';
import { bos, OpenBosError, setCsrfToken, unwrap, type Schemas } from './api';

export type Session = Schemas['ConsoleSession'];

interface SessionState {
  session: Session | null;
  loading: boolean;
  signIn: (input: { merchant: string; email: string; password: string }) => Promise<Session>;
  signOut: () => Promise<void>;
  /** Whether the signed-in person's role grants this API scope; the server checks it again. */
  can: (scope: string) => boolean;
}

const SessionContext = createContext<SessionState | undefined>(undefined);
export const sessionQueryKey = ['session'] as const;

async function loadSession(): Promise<Session | null> {
  try {
    const session = await unwrap(bos.GET('/v1/console/session'));
    setCsrfToken(session.csrf_token);
    return session;
  } catch (error) {
    if (error instanceof OpenBosError && error.status === 401) return null;
    throw error;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: sessionQueryKey, queryFn: loadSession, staleTime: Infinity, retry: false });

  const signIn = useCallback(
    async (input: { merchant: string; email: string; password: string }) => {
      const session = await unwrap(bos.POST('/v1/console/sessions', { body: input }));
      setCsrfToken(session.csrf_token);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionQueryKey[0] });
      queryClient.setQueryData(sessionQueryKey, session);
      return session;
    },
    [queryClient],
  );

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
    return { session, loading: query.isPending, signIn, signOut, can: (scope) => session?.scopes.includes(scope) ?? false };
  }, [query.data, query.isPending, signIn, signOut]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (state === undefined) throw new Error('useSession needs a SessionProvider');
  return state;
}
