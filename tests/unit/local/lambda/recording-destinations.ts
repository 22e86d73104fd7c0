// Destinations that record what they are given instead of sending it, so the cores' tests can check
// the records delivered exactly. SQS ARNs only, each described by its queue's name.
import { Destinations, type DestinationMessage } from '../../../../infra/local/lambda/destinations';

export interface Delivered {
  arn: string;
  message: DestinationMessage;
}

/** Destinations that push each delivery onto `delivered`. */
export function recordingDestinations(delivered: Delivered[]): Destinations {
  const destinations = new Destinations();
  destinations.register('sqs', {
    deliver: (arn, message) => {
      delivered.push({ arn, message });
      return Promise.resolve();
    },
    describe: (arn) => arn.split(':').at(-1),
  });
  return destinations;
}
