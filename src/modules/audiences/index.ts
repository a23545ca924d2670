/**
 * Audiences (issue 17): who a brand wants to reach, as a rule over its data bank (rules.ts),
 * answered from compressed bitmaps of consumer numbers kept current as events arrive, or from
 * PostgreSQL when a rule needs it; saved audiences with their size over time, export, and
 * membership changes (entered, left) that campaigns trigger on.
 */
import { defineModule } from '../../kernel/module.js';
import { migrations } from './migrations.js';

export const audiencesModule = defineModule({
  name: 'audiences',
  migrations,
});

export * from './rules.js';
export { audienceEntered, audienceLeft, audienceEvents } from './events.js';
export type { AudienceRules, BitmapPath, Evaluation, EvaluationPath } from './paths.js';
