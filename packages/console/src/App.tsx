import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from './components/Layout';
import { PageHeader } from './components/PageHeader';
import { Loading } from './components/QueryState';
import SignIn from './pages/signin/SignIn';
import { useSession } from './session';

// Each page is its own chunk, loaded when first opened; only the frame and sign-in load up front.
const Overview = lazy(() => import('./pages/overview/Overview'));
const Catalog = lazy(() => import('./pages/catalog/Catalog'));
const ProductEditor = lazy(() => import('./pages/catalog/ProductEditor'));
const Stock = lazy(() => import('./pages/stock/Stock'));
const Orders = lazy(() => import('./pages/orders/Orders'));
const OrderDetail = lazy(() => import('./pages/orders/OrderDetail'));
const Shipments = lazy(() => import('./pages/shipments/Shipments'));
const CarrierPerformance = lazy(() => import('./pages/shipments/CarrierPerformance'));
const LocalDelivery = lazy(() => import('./pages/localDelivery/LocalDelivery'));
const Stores = lazy(() => import('./pages/stores/Stores'));
const StorePage = lazy(() => import('./pages/stores/StorePage'));
const Fulfilment = lazy(() => import('./pages/fulfilment/Fulfilment'));
const Payouts = lazy(() => import('./pages/payouts/Payouts'));
const PayoutDetail = lazy(() => import('./pages/payouts/PayoutDetail'));
const Promotions = lazy(() => import('./pages/promotions/Promotions'));
const PromotionEditor = lazy(() => import('./pages/promotions/PromotionEditor'));
const PromotionReport = lazy(() => import('./pages/promotions/PromotionReport'));
const Audiences = lazy(() => import('./pages/audiences/Audiences'));
const AudienceBuilder = lazy(() => import('./pages/audiences/AudienceBuilder'));
const AudienceDetail = lazy(() => import('./pages/audiences/AudienceDetail'));
const SamplingCampaigns = lazy(() => import('./pages/campaigns/SamplingCampaigns'));
const SamplingResults = lazy(() => import('./pages/campaigns/SamplingResults'));
const Campaigns = lazy(() => import('./pages/campaigns/Campaigns'));
const CampaignEditor = lazy(() => import('./pages/campaigns/CampaignEditor'));
const CampaignResults = lazy(() => import('./pages/campaigns/Results'));
const GeoLiftReport = lazy(() => import('./pages/campaigns/GeoLift'));
const Analysis = lazy(() => import('./pages/campaigns/Analysis'));
const Consumers = lazy(() => import('./pages/consumers/Consumers'));
const ConsumerDetail = lazy(() => import('./pages/consumers/ConsumerDetail'));
const Recommendations = lazy(() => import('./pages/recs/Recommendations'));
const SearchPage = lazy(() => import('./pages/search/SearchPage'));
const Forecasts = lazy(() => import('./pages/planning/Forecasts'));
const Replenishment = lazy(() => import('./pages/planning/Replenishment'));
const StockHealth = lazy(() => import('./pages/planning/StockHealth'));
const Insight = lazy(() => import('./pages/planning/Insight'));
const Platform = lazy(() => import('./pages/platform/Platform'));
const Settings = lazy(() => import('./pages/settings/Settings'));
const Mail = lazy(() => import('./pages/mail/Mail'));
const PickupDesk = lazy(() => import('./pages/pickup/PickupDesk'));
const MailDetail = lazy(() => import('./pages/mail/MailDetail'));
const ForgotPassword = lazy(() => import('./pages/signin/ForgotPassword'));
const ResetPassword = lazy(() => import('./pages/signin/ResetPassword'));

function RequireSession({ children }: { children: ReactNode }) {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  if (session === null) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('pageNotFound')} />
      <Link to="/">{t('backToOverview')}</Link>
    </>
  );
}

const page = (element: ReactNode) => <Suspense fallback={<Loading />}>{element}</Suspense>;

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      <Route path="/forgot-password" element={page(<ForgotPassword />)} />
      <Route path="/reset-password" element={page(<ResetPassword />)} />
      <Route
        element={
          <RequireSession>
            <Layout />
          </RequireSession>
        }
      >
        <Route index element={page(<Overview />)} />
        <Route path="catalog" element={page(<Catalog />)} />
        <Route path="catalog/new" element={page(<ProductEditor />)} />
        <Route path="catalog/:productId" element={page(<ProductEditor />)} />
        <Route path="stock" element={page(<Stock />)} />
        <Route path="orders" element={page(<Orders />)} />
        <Route path="orders/:orderId" element={page(<OrderDetail />)} />
        <Route path="shipments" element={page(<Shipments />)} />
        <Route path="shipments/performance" element={page(<CarrierPerformance />)} />
        <Route path="local-delivery" element={page(<LocalDelivery />)} />
        <Route path="stores" element={page(<Stores />)} />
        <Route path="stores/:locationId" element={page(<StorePage />)} />
        <Route path="fulfilment" element={page(<Fulfilment />)} />
        <Route path="pickup" element={page(<PickupDesk />)} />
        <Route path="payouts" element={page(<Payouts />)} />
        <Route path="payouts/:payoutId" element={page(<PayoutDetail />)} />
        <Route path="promotions" element={page(<Promotions />)} />
        <Route path="promotions/new" element={page(<PromotionEditor />)} />
        <Route path="promotions/:promotionId" element={page(<PromotionEditor />)} />
        <Route path="promotions/:promotionId/report" element={page(<PromotionReport />)} />
        <Route path="audiences" element={page(<Audiences />)} />
        <Route path="audiences/new" element={page(<AudienceBuilder />)} />
        <Route path="audiences/:audienceId" element={page(<AudienceDetail />)} />
        <Route path="audiences/:audienceId/edit" element={page(<AudienceBuilder />)} />
        <Route path="campaigns/sampling" element={page(<SamplingCampaigns />)} />
        <Route path="campaigns/sampling/:campaignId" element={page(<SamplingResults />)} />
        <Route path="campaigns" element={page(<Campaigns />)} />
        <Route path="campaigns/new" element={page(<CampaignEditor />)} />
        <Route path="campaigns/:campaignId" element={page(<CampaignEditor />)} />
        <Route path="campaigns/geo-lift" element={page(<GeoLiftReport />)} />
        <Route path="campaigns/:campaignId/results" element={page(<CampaignResults />)} />
        <Route path="analysis" element={page(<Analysis />)} />
        <Route path="consumers" element={page(<Consumers />)} />
        <Route path="consumers/:profileId" element={page(<ConsumerDetail />)} />
        <Route path="recommendations" element={page(<Recommendations />)} />
        <Route path="search" element={page(<SearchPage />)} />
        <Route path="forecasts" element={page(<Forecasts />)} />
        <Route path="forecasts/insight" element={page(<Insight />)} />
        <Route path="replenishment/health" element={page(<StockHealth />)} />
        <Route path="replenishment/:section?" element={page(<Replenishment />)} />
        <Route path="mail" element={page(<Mail />)} />
        <Route path="mail/:mailId" element={page(<MailDetail />)} />
        <Route path="settings" element={page(<Settings />)} />
        <Route path="platform" element={page(<Platform />)} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
