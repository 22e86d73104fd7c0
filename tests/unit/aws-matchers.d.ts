// Brings aws-sdk-client-mock-jest's matchers (toHaveReceivedCommandWith, ...) into the types.
import 'aws-sdk-client-mock-jest';
