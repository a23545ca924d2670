import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { OpenBosError } from './api';
import { App } from './App';
import { NoticeProvider } from './components/Notices';
import './i18n';
import { sessionQueryKey, SessionProvider } from './session';
import './styles.css';

/** A 401 anywhere means the session ended (expired, signed out elsewhere, user disabled). */
function onError(error: unknown) {
  if (error instanceof OpenBosError && error.status === 401) queryClient.setQueryData(sessionQueryKey, null);
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    // Errors a person can fix (4xx) are shown at once; only server trouble is retried, once.
    queries: { retry: (count, error) => count < 1 && !(error instanceof OpenBosError && error.status < 500), staleTime: 15_000, refetchOnWindowFocus: false },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter basename="/console">
        <SessionProvider>
          <NoticeProvider>
            <App />
          </NoticeProvider>
        </SessionProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
