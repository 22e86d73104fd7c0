/**
 * The key pair the local stack's clients and functions sign with. s3rver accepts only this one;
 * the other emulators accept any, so one pair serves them all.
 */
export const localCredentials = {
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
};
