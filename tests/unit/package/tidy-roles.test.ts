import { refersTo, tidyRoles, vpcNetworkInterfaceStatement } from '../../../infra/package/tidy-roles-plugin';

const role = (...services: string[]) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: services } }] },
  },
});

describe('tidyRoles', () => {
  it('removes Lambda@Edge from every role it finds and drops the unused default role', () => {
    const resources: Record<string, any> = {
      IamRoleLambdaExecution: role('lambda.amazonaws.com', 'edgelambda.amazonaws.com'),
      PlaceOrderIamRoleLambdaExecution: role('lambda.amazonaws.com', 'edgelambda.amazonaws.com'),
      PlaceOrderLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: { Role: { 'Fn::GetAtt': ['PlaceOrderIamRoleLambdaExecution', 'Arn'] } },
      },
    };
    tidyRoles(resources);
    expect(Object.keys(resources)).toEqual(['PlaceOrderIamRoleLambdaExecution', 'PlaceOrderLambdaFunction']);
    expect(
      resources.PlaceOrderIamRoleLambdaExecution.Properties.AssumeRolePolicyDocument.Statement[0].Principal,
    ).toEqual({ Service: ['lambda.amazonaws.com'] });
  });

  it('replaces the VPC managed policy (logs on every group) by the network-interface actions alone', () => {
    const logs = { Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: ['arn:own-log-group'] };
    const vpcRole = {
      ...role('lambda.amazonaws.com'),
      Properties: {
        ...role('lambda.amazonaws.com').Properties,
        ManagedPolicyArns: [
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'],
            ],
          },
        ],
        Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: [logs] } }],
      },
    };
    const resources: Record<string, any> = { GetOrderIamRoleLambdaExecution: vpcRole };
    tidyRoles(resources);
    const properties = resources.GetOrderIamRoleLambdaExecution.Properties;
    expect(properties.ManagedPolicyArns).toEqual([]);
    expect(properties.Policies[0].PolicyDocument.Statement).toEqual([logs, vpcNetworkInterfaceStatement]);
    expect(vpcNetworkInterfaceStatement.Action).toEqual(expect.arrayContaining(['ec2:CreateNetworkInterface']));
    expect(JSON.stringify(vpcNetworkInterfaceStatement)).not.toContain('logs:');
  });

  it('keeps the default role while anything still refers to it', () => {
    const resources: Record<string, any> = {
      IamRoleLambdaExecution: role('lambda.amazonaws.com'),
      GetHealthLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: { Role: { 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] } },
      },
    };
    tidyRoles(resources);
    expect(resources.IamRoleLambdaExecution).toBeDefined();
  });
});

describe('refersTo', () => {
  it.each([
    [{ Ref: 'A' }, true],
    [{ 'Fn::GetAtt': ['A', 'Arn'] }, true],
    [{ 'Fn::GetAtt': 'A.Arn' }, true],
    [{ x: [{ y: { Ref: 'A' } }] }, true],
    [{ 'Fn::Sub': '${A.Arn}/*' }, true],
    [{ 'Fn::Sub': ['${X}', { X: { Ref: 'A' } }] }, true],
    [{ 'Fn::Sub': ['${A}', { A: 'literal' }] }, false],
    [{ Ref: 'AB' }, false],
    [{ 'Fn::GetAtt': ['B', 'A'] }, false],
  ])('%j refers to A: %s', (value, expected) => {
    expect(refersTo(value, 'A')).toBe(expected);
  });
});
