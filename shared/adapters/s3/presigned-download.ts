/** A short-lived GET link to one object, which the browser saves as a file under the key's last part. */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export function presignedDownload(client: S3Client, bucket: string, key: string, expiresInSeconds: number) {
  return getSignedUrl(
    client,
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      // Download rather than open on S3's origin.
      ResponseContentDisposition: `attachment; filename="${key.split('/').at(-1)}"`,
    }),
    { expiresIn: expiresInSeconds },
  );
}
