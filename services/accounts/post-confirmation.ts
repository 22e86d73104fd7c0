// Cognito post confirmation trigger: a confirmed sign-up becomes a customer (the row, through
// createCustomer in the VPC) in the `shopper` group. services/accounts/functions.yml.
import { cognito } from '../../shared/adapters/cognito/client';
import { CognitoUserGroups } from '../../shared/adapters/cognito/user-groups';
import { lambda } from '../../shared/adapters/lambda/client';
import { LambdaCustomerRecords } from '../../shared/adapters/lambda/customer-records';
import { config } from '../../shared/config';
import { customerSchema } from '../../shared/customers/customer';
import { registerCustomer } from '../../shared/customers/register-customer';
import { logger } from '../../shared/observability';
import { cognitoTrigger, InvalidTriggerEventError, postConfirmationEvent } from '../../shared/triggers/cognito-trigger';

const deps = {
  customers: new LambdaCustomerRecords(lambda, config('createCustomerFunction')),
  groups: new CognitoUserGroups(cognito),
};

// The pool's id comes from the event, not the environment: the pool names this function as its
// trigger, so the function naming the pool would make a circular dependency in the template.
export const handler = cognitoTrigger(
  postConfirmationEvent,
  async ({ triggerSource, userPoolId, userName, request }) => {
    // A reset password confirms nothing new: the customer exists since their sign-up.
    if (triggerSource === 'PostConfirmation_ConfirmForgotPassword') return {};
    const customer = customerSchema.safeParse({
      customerId: request.userAttributes.sub,
      email: request.userAttributes.email,
    });
    if (!customer.success) {
      throw new InvalidTriggerEventError('userAttributes need a UUID sub and an e-mail address');
    }
    const { created } = await registerCustomer(deps, { userPoolId, userName, customer: customer.data });
    logger.info(created ? 'Customer created' : 'Customer already existed', { customerId: customer.data.customerId });
    return {};
  },
);
