/**
 * CloudFormation refuses a stack of more than 500 resources, and Shelf is one stack that every
 * integration still to come adds to. The packaged template's count is watched here: past the
 * budget of 450 the stack is split as docs/architecture.md ("How the stack will be split") plans,
 * while there is still room to do it calmly rather than when a deploy fails on the limit.
 */
import { readTemplate, type Template } from './cloudformation';
import { packagedTemplatePath } from './global-setup';

/** CloudFormation's quota of resources in one stack. */
const cloudFormationLimit = 500;
/** Where the split is due: room left for the integration under way when the budget is reached. */
const resourceBudget = 450;

/** Why the template is past the budget, or undefined. */
function budgetProblem(template: Template): string | undefined {
  const count = Object.keys(template.Resources).length;
  if (count <= resourceBudget) return undefined;
  return (
    `The packaged template holds ${count} resources, past the budget of ${resourceBudget} ` +
    `(CloudFormation refuses more than ${cloudFormationLimit} in one stack). Split the stack as ` +
    'docs/architecture.md, "How the stack will be split", plans before adding more.'
  );
}

/** "34 AWS::IAM::Role, 20 AWS::Lambda::Function, …", most first. */
function countsByType(template: Template): string {
  const counts = new Map<string, number>();
  for (const { Type } of Object.values(template.Resources)) counts.set(Type, (counts.get(Type) ?? 0) + 1);
  return [...counts]
    .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
}

const template = readTemplate(packagedTemplatePath);
const count = Object.keys(template.Resources).length;

describe("the stack's resource budget", () => {
  it(`holds ${count} resources, at most ${resourceBudget} (CloudFormation's limit: ${cloudFormationLimit})`, () => {
    console.log(`The packaged template holds ${count} of ${resourceBudget} resources: ${countsByType(template)}`);
    const problem = budgetProblem(template);
    if (problem) throw new Error(problem);
  });

  it('fails a template past the budget, pointing at the split plan', () => {
    const resources = Object.fromEntries(
      Array.from({ length: resourceBudget + 1 }, (_, i) => [`Queue${i}`, { Type: 'AWS::SQS::Queue' }]),
    );
    const atBudget = { Resources: Object.fromEntries(Object.entries(resources).slice(0, resourceBudget)) };

    expect(budgetProblem(atBudget)).toBeUndefined();
    expect(budgetProblem({ Resources: resources })).toMatch(
      /holds 451 resources, past the budget of 450 .*docs\/architecture\.md, "How the stack will be split"/,
    );
  });
});
