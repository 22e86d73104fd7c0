/**
 * Raw messages an SES receipt rule's S3 action stored (infra/resources/inbound-mail.yml): the
 * Lambda action's event carries only the headers, so the function reads the whole message here.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from './client';

export async function readStoredMail(bucket: string, key: string): Promise<Buffer> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const chunks: Uint8Array[] = [];
  for await (const chunk of Body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
