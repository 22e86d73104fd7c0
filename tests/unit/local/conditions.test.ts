// CloudFormation conditions as the local stack evaluates them: stack parameters at their defaults
// (what serverless.yml's params give the stage), and the condition functions.
import { conditionHolds, resourceExists } from '../../../infra/local/conditions';
import type { ServiceConfig } from '../../../infra/service-config';

const config = (conditions: Record<string, unknown>, parameters: Record<string, string> = {}): ServiceConfig => ({
  service: 'shelf',
  provider: { region: 'us-east-1', stage: 'local' },
  functions: {},
  resources: {
    Resources: {},
    Parameters: Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, { Default: value }])),
    Conditions: conditions,
  },
});

describe('local conditions', () => {
  it('compares parameters at their defaults, and combines conditions', () => {
    const c = config(
      {
        On: { 'Fn::Equals': [{ Ref: 'OpsEndpoint' }, 'true'] },
        HasCidr: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Cidr' }, ''] }] },
        Both: { 'Fn::And': [{ Condition: 'On' }, { Condition: 'HasCidr' }] },
        Either: { 'Fn::Or': [{ Condition: 'On' }, { Condition: 'HasCidr' }] },
      },
      { OpsEndpoint: 'true', Cidr: '' },
    );

    expect(['On', 'HasCidr', 'Both', 'Either'].map((name) => conditionHolds(c, name))).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });

  it('lets a resource without a Condition exist, and one whose Condition fails not', () => {
    const c = config({ Off: { 'Fn::Equals': ['false', 'true'] } });

    expect(resourceExists(c, { Type: 'AWS::SQS::Queue' })).toBe(true);
    expect(resourceExists(c, { Type: 'AWS::SQS::Queue', Condition: 'Off' })).toBe(false);
  });

  it('refuses what it cannot evaluate rather than guess', () => {
    const c = config({ Odd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }, Other: { 'Fn::If': [] } });

    expect(() => conditionHolds(c, 'Odd')).toThrow('Ref AWS::Region: no parameter default locally');
    expect(() => conditionHolds(c, 'Other')).toThrow('Fn::If is not evaluated in conditions locally');
    expect(() => conditionHolds(c, 'Missing')).toThrow('Condition Missing is not declared');
  });
});
