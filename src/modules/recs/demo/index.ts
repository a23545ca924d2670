/**
 * Demo buyers (issue 19): the first start's week of recommendation and search traffic
 * (src/platform/demo-recs.ts) and `bos recs simulate`.
 */
export { browseSessions, addReport, emptyReport, emptyFigures, type BrowseOptions, type BrowseReport, type Behaviour, type DemoLocation, type RecsShopper, type SourceFigures } from './browse.js';
export { browseWeek, sessionsOn, type DayFigures, type TrafficReport, type WeekOptions } from './week.js';
export { demoHttp, demoFetchHttp, type DemoCall, type DemoHttp } from './http.js';
export { registerDemoCommands, simulationShoppers } from './cli.js';
