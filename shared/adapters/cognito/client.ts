/** The Cognito user pools client: one per execution environment, traced by X-Ray. */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { tracer } from '../../observability';

export const cognito = tracer.captureAWSv3Client(new CognitoIdentityProviderClient({}));
