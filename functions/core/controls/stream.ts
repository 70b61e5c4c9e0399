/**
 * TW-STREAM — DynamoDB Streams with the declared view type; no `stream` key means no stream.
 *
 * Drives: dynamodb:UpdateTable (StreamSpecification), or CreateTable for new tables.
 * Binds: a view type can't be changed in place: the stream is disabled, then enabled with the new type (two
 * UpdateTable calls), which gives consumers a new stream ARN.
 * Docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
 */
import { compliant, defineControl, nonCompliant, notApplicable } from './control.ts';

/** Stream control. */
export const streamControl = defineControl({
  id: 'TW-STREAM',
  title: 'DynamoDB stream matches the declared view type',
  rationale: 'Streams feed downstream consumers; an unexpected stream leaks change data, a missing one breaks consumers.',
  references: { configRules: [], securityHub: [], documentation: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html' },
  permissions: { observe: ['dynamodb:DescribeTable'], apply: ['dynamodb:UpdateTable'] },
  assess({ desired, observed }) {
    const want = desired.spec.stream;
    if (want === undefined) return notApplicable('stream is not managed for this table');
    const have = observed.stream;
    if (want === 'NONE') {
      return have.enabled
        ? nonCompliant(`stream is on (${have.viewType ?? '?'}) but none is declared`, [
            { type: 'UpdateStream', enabled: false, risk: 'disruptive', reason: 'disable the stream (its consumers stop receiving changes)' },
          ])
        : compliant('no stream, as declared');
    }
    if (!have.enabled) {
      return nonCompliant(`no stream, want ${want}`, [
        { type: 'UpdateStream', enabled: true, viewType: want, risk: 'safe', reason: `enable a ${want} stream` },
      ]);
    }
    if (have.viewType === want) return compliant(`stream is on with ${want}`);
    return nonCompliant(`stream view type is ${have.viewType ?? '?'}, want ${want}`, [
      { type: 'UpdateStream', enabled: false, risk: 'disruptive', reason: `disable the ${have.viewType ?? ''} stream to change its view type` },
      { type: 'UpdateStream', enabled: true, viewType: want, risk: 'disruptive', reason: `enable a ${want} stream (new stream ARN for consumers)` },
    ]);
  },
});
