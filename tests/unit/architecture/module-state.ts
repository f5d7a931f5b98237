import ts from 'typescript';

/**
 * Finds module-level mutable state in one TypeScript file: state that every instance of the
 * library in a process shares because it lives in a module rather than in an object a caller
 * created (issue 16). Only what a module's own top level declares is looked at (functions and
 * methods create their state per call or per instance):
 * - `let` and `var` declarations;
 * - a `const` initialised with a mutable collection or literal: `new Map`/`Set`/`WeakMap`/
 *   `WeakSet`/`Array`, an array literal or an object literal, unless it is declared read-only:
 *   frozen (`Object.freeze(...)`), `as const`, or typed `ReadonlySet`/`ReadonlyMap`/
 *   `ReadonlyArray`/`readonly T[]`/`Readonly<...>` (a WeakMap or WeakSet has no read-only type, so it
 *   never passes); a read-only shell still fails when it holds a `new Map`/`Set`/`WeakMap`/`WeakSet`;
 * - static class fields: any without `readonly`, and `static readonly` ones initialised as above;
 * - a top-level function expression called at once (an IIFE) that declares such state in its
 *   body: a closure over module-level state;
 * - an assignment to a property of `globalThis`/`global`.
 */
export interface ModuleStateViolation {
  file: string;
  line: number;
  /** What was found, e.g. `const groups = new Set(...)`. */
  what: string;
}

const COLLECTIONS: ReadonlySet<string> = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Array']);
/** Type names that make a `Map`/`Set`/array/object const read-only. */
const READONLY_TYPES: ReadonlySet<string> = new Set(['ReadonlySet', 'ReadonlyMap', 'ReadonlyArray', 'Readonly']);
const GLOBALS: ReadonlySet<string> = new Set(['globalThis', 'global']);

export function moduleStateViolations(file: string, text: string): ModuleStateViolation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: ModuleStateViolation[] = [];
  const report = (node: ts.Node, what: string): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push({ file, line: line + 1, what: what.replace(/\s+/g, ' ').slice(0, 100) });
  };
  checkScope(source.statements, report);
  return found;
}

type Report = (node: ts.Node, what: string) => void;

/** The statements of a module, or of the body of a function it calls at once. */
function checkScope(statements: readonly ts.Statement[], report: Report): void {
  for (const statement of statements) {
    if (ts.isVariableStatement(statement)) {
      const constant = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const declaration of statement.declarationList.declarations) {
        if (!constant) report(declaration, `${keyword(statement.declarationList)} ${declaration.getText()}`);
        else if (declaration.initializer) {
          const problem = mutableValue(declaration.initializer, declaration.type);
          if (problem) report(declaration, `const ${declaration.name.getText()} = ${problem}`);
          checkCalledAtOnce(declaration.initializer, report);
        }
      }
    } else if (ts.isClassDeclaration(statement)) {
      checkStatics(statement, report);
    } else if (ts.isExpressionStatement(statement)) {
      checkCalledAtOnce(statement.expression, report);
      checkGlobalAssignment(statement.expression, report);
    }
  }
}

function keyword(list: ts.VariableDeclarationList): string {
  return (list.flags & ts.NodeFlags.Let) !== 0 ? 'let' : 'var';
}

/** Why `value` (declared with `type`) is mutable state, or null. */
function mutableValue(value: ts.Expression, type: ts.TypeNode | undefined): string | null {
  const inner = unwrap(value);
  if (isAsConst(value)) return nestedCollection(inner);
  if (isFreezeCall(inner)) return nestedCollection(inner.arguments[0]);
  const readonlyType = type !== undefined && isReadonlyType(type);
  const collection = constructedCollection(inner);
  if (collection !== null) {
    const allowed = readonlyType && (collection === 'Map' || collection === 'Set' || collection === 'Array');
    return allowed ? null : `new ${collection}(...)`;
  }
  if (ts.isArrayLiteralExpression(inner) || ts.isObjectLiteralExpression(inner)) {
    if (readonlyType) return nestedCollection(inner);
    return ts.isArrayLiteralExpression(inner) ? 'a mutable array literal' : 'a mutable object literal';
  }
  return null;
}

/** A `new Map`/`Set`/`WeakMap`/`WeakSet` anywhere inside a read-only literal. */
function nestedCollection(node: ts.Node | undefined): string | null {
  if (node === undefined) return null;
  const own = constructedCollection(node);
  if (own !== null && own !== 'Array') return `a read-only shell over new ${own}(...)`;
  let problem: string | null = null;
  const visit = (child: ts.Node): void => {
    if (problem !== null || ts.isFunctionLike(child)) return;
    const collection = constructedCollection(child);
    if (collection !== null && collection !== 'Array') problem = `a read-only shell holding new ${collection}(...)`;
    else ts.forEachChild(child, visit);
  };
  ts.forEachChild(node, visit);
  return problem;
}

function constructedCollection(node: ts.Node): string | null {
  if (!ts.isNewExpression(node) || !ts.isIdentifier(node.expression)) return null;
  return COLLECTIONS.has(node.expression.text) ? node.expression.text : null;
}

function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isTypeAssertionExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isNonNullExpression(current)
  )
    current = current.expression;
  return current;
}

function isAsConst(node: ts.Expression): boolean {
  let current: ts.Expression = node;
  while (ts.isParenthesizedExpression(current) || ts.isSatisfiesExpression(current)) current = current.expression;
  return (
    ts.isAsExpression(current) &&
    ts.isTypeReferenceNode(current.type) &&
    ts.isIdentifier(current.type.typeName) &&
    current.type.typeName.text === 'const'
  );
}

function isFreezeCall(node: ts.Expression): node is ts.CallExpression {
  return (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    ts.isIdentifier(node.expression.expression) &&
    node.expression.expression.text === 'Object' &&
    node.expression.name.text === 'freeze'
  );
}

function isReadonlyType(type: ts.TypeNode): boolean {
  if (ts.isParenthesizedTypeNode(type)) return isReadonlyType(type.type);
  if (ts.isTypeOperatorNode(type)) return type.operator === ts.SyntaxKind.ReadonlyKeyword;
  return ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && READONLY_TYPES.has(type.typeName.text);
}

function checkStatics(declaration: ts.ClassDeclaration, report: Report): void {
  for (const member of declaration.members) {
    if (!ts.isPropertyDeclaration(member)) continue;
    const modifiers = ts.getModifiers(member) ?? [];
    if (!modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.StaticKeyword)) continue;
    const name = `${declaration.name?.text ?? 'class'}.${member.name.getText()}`;
    if (!modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.ReadonlyKeyword))
      report(member, `static ${name} (not readonly)`);
    else if (member.initializer) {
      const problem = mutableValue(member.initializer, member.type);
      if (problem) report(member, `static readonly ${name} = ${problem}`);
    }
  }
}

/** `(() => { let n = 0; ... })()` and `(function () { ... })()` at the top level. */
function checkCalledAtOnce(expression: ts.Expression, report: Report): void {
  const inner = unwrap(expression);
  if (!ts.isCallExpression(inner)) return;
  const callee = unwrap(inner.expression);
  if (!(ts.isArrowFunction(callee) || ts.isFunctionExpression(callee))) return;
  if (callee.body && ts.isBlock(callee.body)) checkScope(callee.body.statements, report);
}

function checkGlobalAssignment(expression: ts.Expression, report: Report): void {
  const inner = unwrap(expression);
  if (!ts.isBinaryExpression(inner) || inner.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
  let target: ts.Expression = inner.left;
  while (ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target)) target = target.expression;
  if (ts.isIdentifier(target) && GLOBALS.has(target.text) && target !== inner.left)
    report(inner, `assignment to ${inner.left.getText()}`);
}
