// A deployed stack's outputs, as publishing the web app reads them.
import type { WebStackOutputs } from '../../../infra/deploy/publish-plan';

export const stackOutputs: WebStackOutputs = {
  WebBucketName: 'shelf-sandbox-web-us-east-1-123456789012',
  WebDistributionId: 'E2EXAMPLE123',
  WebUrl: 'https://d111111abcdef8.cloudfront.net',
  HttpApiUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com',
  UserPoolClientId: '1example23456789',
  UserPoolDomainUrl: 'https://shelf-sandbox-123456789012.auth.us-east-1.amazoncognito.com',
};

/** The outputs as CloudFormation's DescribeStacks lists them. */
export const asCloudFormation = (outputs: Record<string, string>) =>
  Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue, Description: OutputKey }));
