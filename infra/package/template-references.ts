/**
 * What a piece of a CloudFormation template refers to: the names in Ref, Fn::GetAtt and Fn::Sub
 * (`${Name}`, `${Name.Attribute}`, and its own variables' values), at any depth. Used when
 * packaging (tidy-roles-plugin.ts: is a resource still used?) and by the template tests
 * (dependency cycles). Pseudo-parameters (AWS::Region) come back too; callers keep what they need.
 */
export function templateReferences(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(templateReferences);
  if (value === null || typeof value !== 'object') return [];
  const found: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'Ref' && typeof inner === 'string') found.push(inner);
    else if (key === 'Fn::GetAtt') found.push(Array.isArray(inner) ? String(inner[0]) : String(inner).split('.')[0]!);
    else if (key === 'Fn::Sub') {
      const [text, variables] = (Array.isArray(inner) ? inner : [inner, {}]) as [unknown, Record<string, unknown>];
      for (const [, name] of String(text).matchAll(/\$\{([^}!]+)\}/g))
        if (!(name! in variables)) found.push(name!.split('.')[0]!);
      found.push(...templateReferences(variables));
    } else found.push(...templateReferences(inner));
  }
  return found;
}
