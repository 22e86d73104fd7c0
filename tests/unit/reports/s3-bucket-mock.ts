// An S3 bucket in memory behind aws-sdk-client-mock: PutObject, GetObject (NoSuchKey when absent),
// DeleteObject and ListObjectsV2 behave as S3's do for the report store, so tests assert on what
// the bucket holds rather than on the calls made.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

export interface StoredObject {
  body: string;
  contentType?: string;
  lastModified: Date;
}

export function mockBucket(now: () => Date = () => new Date()) {
  const objects = new Map<string, StoredObject>();
  const s3 = mockClient(S3Client);
  const install = () => {
    s3.reset();
    s3.on(PutObjectCommand).callsFake(({ Key, Body, ContentType }) => {
      objects.set(Key, { body: String(Body), contentType: ContentType, lastModified: now() });
      return {};
    });
    s3.on(GetObjectCommand).callsFake(({ Key }) => {
      const found = objects.get(Key);
      if (!found) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
      // The one method of the SDK's stream mixin the report store reads.
      const Body = { transformToString: () => Promise.resolve(found.body) };
      return { Body: Body as never, ContentType: found.contentType };
    });
    s3.on(DeleteObjectCommand).callsFake(({ Key }) => {
      objects.delete(Key);
      return {};
    });
    s3.on(ListObjectsV2Command).callsFake(({ Prefix = '' }) => ({
      Contents: [...objects]
        .filter(([key]) => key.startsWith(Prefix))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([Key, { lastModified }]) => ({ Key, LastModified: lastModified })),
      IsTruncated: false,
    }));
  };
  install();
  return {
    s3,
    objects,
    reset() {
      objects.clear();
      install();
    },
  };
}
