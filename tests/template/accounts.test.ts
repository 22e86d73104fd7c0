/**
 * The sign-up triggers in the packaged template: the pool's LambdaConfig (the V2 token event, on
 * the Essentials plan), self sign-up on, Cognito allowed to invoke each trigger for this pool
 * only, and each function's role holding only what it uses.
 */
import { readTemplate, resourcesOfType } from './cloudformation';
import { packagedTemplatePath } from './global-setup';

const template = readTemplate(packagedTemplatePath);
const pool = template.Resources.UserPool!.Properties!;

const roleIdOf = (functionId: string) => template.Resources[functionId]!.Properties!.Role['Fn::GetAtt'][0] as string;
const statementsOf = (functionId: string) =>
  (template.Resources[roleIdOf(functionId)]!.Properties!.Policies as { PolicyDocument: { Statement: any[] } }[])
    .flatMap((p) => p.PolicyDocument.Statement)
    // What every function has: X-Ray's (serverless.yml) and its own log group's (the framework's).
    .filter((s) => !/"(xray|logs):/.test(JSON.stringify(s.Action)));

const triggers = {
  PreSignUp: 'PreSignUpLambdaFunction',
  PostConfirmation: 'PostConfirmationLambdaFunction',
  PreTokenGeneration: 'PreTokenGenerationLambdaFunction',
};

describe('the sign-up triggers', () => {
  it('lets shoppers sign themselves up and wires the three triggers, the token one as V2_0 on Essentials', () => {
    expect(pool.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: false });
    expect(pool.AutoVerifiedAttributes).toEqual(['email']);
    expect(pool.UserPoolTier).toBe('ESSENTIALS');
    expect(pool.LambdaConfig).toEqual({
      PreSignUp: { 'Fn::GetAtt': [triggers.PreSignUp, 'Arn'] },
      PostConfirmation: { 'Fn::GetAtt': [triggers.PostConfirmation, 'Arn'] },
      PreTokenGenerationConfig: {
        LambdaArn: { 'Fn::GetAtt': [triggers.PreTokenGeneration, 'Arn'] },
        LambdaVersion: 'V2_0',
      },
    });
  });

  it('lets Cognito invoke each trigger, for this user pool only', () => {
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission')
      .map(([, p]) => p.Properties!)
      .filter((p) => p.Principal === 'cognito-idp.amazonaws.com');
    expect(permissions).toHaveLength(3);
    for (const functionId of Object.values(triggers)) {
      expect(permissions).toContainEqual({
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': ['UserPool', 'Arn'] },
      });
    }
  });

  it('waits no longer than Cognito does (5 s), and keeps createCustomer within postConfirmation’s time', () => {
    for (const functionId of Object.values(triggers)) {
      expect(template.Resources[functionId]!.Properties!.Timeout).toBe(5);
    }
    expect(template.Resources.CreateCustomerLambdaFunction!.Properties!.Timeout).toBeLessThan(5);
  });

  it('gives each function only what it uses', () => {
    expect(statementsOf('PreSignUpLambdaFunction')).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': ['SignUpRateLimitsTable', 'Arn'] },
      },
    ]);
    expect(statementsOf('PostConfirmationLambdaFunction')).toEqual([
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: { 'Fn::GetAtt': ['CreateCustomerLambdaFunction', 'Arn'] },
      },
    ]);
    // Its Cognito permission, attached after the pool exists (the pool names the function).
    expect(template.Resources.PostConfirmationUserGroupsPolicy!.Properties).toEqual({
      PolicyName: 'add-to-shopper-group',
      Roles: [{ Ref: roleIdOf('PostConfirmationLambdaFunction') }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['cognito-idp:AdminAddUserToGroup'],
            Resource: { 'Fn::GetAtt': ['UserPool', 'Arn'] },
          },
        ],
      },
    });
    expect(statementsOf('PreTokenGenerationLambdaFunction')).toEqual([]);
  });

  it('takes the user pool id from the event, so no trigger names the pool that names it', () => {
    for (const functionId of [...Object.values(triggers), 'CreateCustomerLambdaFunction']) {
      expect(JSON.stringify(template.Resources[functionId]!.Properties!.Environment ?? {})).not.toContain('UserPool');
    }
  });

  it('keeps the per-domain counters encrypted, expiring with their TTL', () => {
    expect(template.Resources.SignUpRateLimitsTable!.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });
});
