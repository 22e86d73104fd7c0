import { refersTo, tidyRoles } from '../../../infra/package/tidy-roles-plugin';

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
    [{ Ref: 'AB' }, false],
    [{ 'Fn::GetAtt': ['B', 'A'] }, false],
  ])('%j refers to A: %s', (value, expected) => {
    expect(refersTo(value, 'A')).toBe(expected);
  });
});
