/**
 * Group membership in the user pool (AdminAddUserToGroup). Cognito answers success when the user
 * is already in the group, which is what makes the post confirmation trigger safe to repeat.
 */
import {
  AdminAddUserToGroupCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { UserGroups } from '../../customers/customer-ports';

export class CognitoUserGroups implements UserGroups {
  constructor(private readonly client: CognitoIdentityProviderClient) {}

  async addUserToGroup(userPoolId: string, userName: string, group: string): Promise<void> {
    await this.client.send(
      new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: userName, GroupName: group }),
    );
  }
}
