/**
 * The handlers' CloudWatch metrics (Powertools, EMF), in a module of their own: only the handlers that emit metrics
 * (plan-batch, apply-batch, report) import it, so the others' bundles don't carry Powertools metrics (~14 KB), whose
 * instance is created when the module loads and so can't be tree-shaken.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';

/** CloudWatch metrics in EMF: drift found, actions applied, failures, API calls. */
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'TableWarden', serviceName: 'tablewarden' });
