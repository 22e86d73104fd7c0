import { Intrinsics, type LocalResource } from '../../../infra/local/local-resources';

const pseudo = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '000000000000',
  'AWS::StackName': 'shelf-local',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

function localResources(): Map<string, LocalResource> {
  return new Map<string, LocalResource>([
    [
      'CatalogTable',
      {
        type: 'AWS::DynamoDB::Table',
        ref: 'shelf-local-catalog',
        arn: 'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-catalog',
      },
    ],
    [
      'ImportDeadLetterQueue',
      {
        type: 'AWS::SQS::Queue',
        ref: 'http://127.0.0.1:9324/000000000000/shelf-local-imports-dlq',
        arn: 'arn:aws:sqs:us-east-1:000000000000:shelf-local-imports-dlq',
      },
    ],
  ]);
}

let intrinsics: Intrinsics;

beforeEach(() => {
  intrinsics = new Intrinsics(pseudo, localResources());
});

describe('Intrinsics', () => {
  describe('Ref', () => {
    it('resolves a pseudo parameter', () => {
      expect(intrinsics.resolve({ Ref: 'AWS::Region' })).toBe('us-east-1');
    });

    it('resolves a created resource to its ref (a table name, a queue URL)', () => {
      expect(intrinsics.resolve({ Ref: 'CatalogTable' })).toBe('shelf-local-catalog');
      expect(intrinsics.resolve({ Ref: 'ImportDeadLetterQueue' })).toBe(
        'http://127.0.0.1:9324/000000000000/shelf-local-imports-dlq',
      );
    });

    it('throws naming a resource that was not created', () => {
      expect(() => intrinsics.resolve({ Ref: 'UploadsBucket' })).toThrow(/UploadsBucket/);
    });
  });

  describe('Fn::GetAtt', () => {
    it('resolves the array form', () => {
      expect(intrinsics.resolve({ 'Fn::GetAtt': ['CatalogTable', 'Arn'] })).toBe(
        'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-catalog',
      );
    });

    it('resolves the dotted form (what !GetAtt Name.Attribute becomes)', () => {
      expect(intrinsics.resolve({ 'Fn::GetAtt': 'ImportDeadLetterQueue.Arn' })).toBe(
        'arn:aws:sqs:us-east-1:000000000000:shelf-local-imports-dlq',
      );
    });

    it("resolves a queue's QueueName from its URL", () => {
      expect(intrinsics.resolve({ 'Fn::GetAtt': ['ImportDeadLetterQueue', 'QueueName'] })).toBe(
        'shelf-local-imports-dlq',
      );
    });

    it("resolves an attribute the resource's module recorded, such as a table's StreamArn", () => {
      const streamArn =
        'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-audit/stream/2026-03-01T10:00:00.000';
      const withStream = intrinsics.with(
        new Map([
          [
            'AuditTable',
            { type: 'AWS::DynamoDB::Table', ref: 'shelf-local-audit', attributes: { StreamArn: streamArn } },
          ],
        ]),
      );

      expect(withStream.resolve({ 'Fn::GetAtt': ['AuditTable', 'StreamArn'] })).toBe(streamArn);
      expect(withStream.resolve({ 'Fn::Sub': '${AuditTable.StreamArn}' })).toBe(streamArn);
    });

    it('throws naming an attribute the local stack does not have', () => {
      expect(() => intrinsics.resolve({ 'Fn::GetAtt': ['CatalogTable', 'StreamArn'] })).toThrow(
        'CatalogTable.StreamArn',
      );
      expect(() => intrinsics.resolve({ 'Fn::GetAtt': 'Missing.Arn' })).toThrow('Missing.Arn');
    });
  });

  describe('Fn::Sub', () => {
    it('substitutes pseudo parameters', () => {
      expect(intrinsics.resolve({ 'Fn::Sub': '${AWS::StackName}-uploads-${AWS::AccountId}' })).toBe(
        'shelf-local-uploads-000000000000',
      );
    });

    it('substitutes resource refs and Name.Attribute references', () => {
      expect(intrinsics.resolve({ 'Fn::Sub': '${CatalogTable.Arn}/index/byCategory' })).toBe(
        'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-catalog/index/byCategory',
      );
      expect(intrinsics.resolve({ 'Fn::Sub': 'table ${CatalogTable} in ${AWS::Region}' })).toBe(
        'table shelf-local-catalog in us-east-1',
      );
    });

    it('substitutes a variables map first, resolving intrinsics inside it', () => {
      const value = {
        'Fn::Sub': [
          '${Table}/index/${Index} (${AWS::Partition})',
          { Table: { 'Fn::GetAtt': ['CatalogTable', 'Arn'] }, Index: 'byCategory' },
        ],
      };

      expect(intrinsics.resolve(value)).toBe(
        'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-catalog/index/byCategory (aws)',
      );
    });

    it('lets a variable shadow a resource of the same name', () => {
      expect(intrinsics.resolve({ 'Fn::Sub': ['${CatalogTable}', { CatalogTable: 'from-variables' }] })).toBe(
        'from-variables',
      );
    });

    it('throws naming an unknown reference', () => {
      expect(() => intrinsics.resolve({ 'Fn::Sub': 'https://${NotCreatedYet}.example' })).toThrow(/NotCreatedYet/);
    });

    it('writes ${!Literal} as the literal ${Literal}, as CloudFormation does', () => {
      expect(intrinsics.resolve({ 'Fn::Sub': '${!Literal}-${AWS::Region}' })).toBe('${Literal}-us-east-1');
    });
  });

  describe('Fn::Join', () => {
    it('joins resolved parts with the delimiter', () => {
      const value = { 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 'sqs', { Ref: 'AWS::Region' }]] };

      expect(intrinsics.resolve(value)).toBe('arn:aws:sqs:us-east-1');
    });

    it('joins with an empty delimiter', () => {
      expect(intrinsics.resolve({ 'Fn::Join': ['', [{ Ref: 'CatalogTable' }, '-', 'v2']] })).toBe(
        'shelf-local-catalog-v2',
      );
    });
  });

  describe('resolving resource properties', () => {
    it('resolves intrinsics anywhere in nested objects and arrays, leaving plain values as they are', () => {
      const properties = {
        QueueName: 'shelf-local-imports',
        VisibilityTimeout: 360,
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': 'ImportDeadLetterQueue.Arn' }, maxReceiveCount: 5 },
        Resource: [{ 'Fn::GetAtt': ['CatalogTable', 'Arn'] }, { 'Fn::Sub': '${CatalogTable.Arn}/*' }],
        Nothing: null,
      };

      expect(intrinsics.resolve(properties)).toEqual({
        QueueName: 'shelf-local-imports',
        VisibilityTimeout: 360,
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:shelf-local-imports-dlq',
          maxReceiveCount: 5,
        },
        Resource: [
          'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-catalog',
          'arn:aws:dynamodb:us-east-1:000000000000:table/shelf-local-catalog/*',
        ],
        Nothing: null,
      });
    });

    it("with() sees a module's own resources as it creates them, besides the earlier ones", () => {
      const creating = new Map<string, LocalResource>();
      const own = intrinsics.with(creating);
      creating.set('ImportQueue', { type: 'AWS::SQS::Queue', ref: 'http://q/imports', arn: 'arn:q:imports' });

      expect(own.resolve({ 'Fn::GetAtt': ['ImportQueue', 'Arn'] })).toBe('arn:q:imports');
      expect(own.resolve({ Ref: 'CatalogTable' })).toBe('shelf-local-catalog');
      expect(() => intrinsics.resolve({ Ref: 'ImportQueue' })).toThrow('ImportQueue');
    });

    it('sees resources created after it was constructed (the map is shared with the creator)', () => {
      const created = new Map<string, LocalResource>();
      const late = new Intrinsics(pseudo, created);
      created.set('UploadsBucket', { type: 'AWS::S3::Bucket', ref: 'uploads', arn: 'arn:aws:s3:::uploads' });

      expect(late.resolve({ Ref: 'UploadsBucket' })).toBe('uploads');
    });
  });
});
