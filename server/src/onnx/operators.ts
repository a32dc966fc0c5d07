/**
 * Which operator schema serves a node, from the operator-set table: the ONNX rule is that
 * a model importing opset N of a domain gets, for each operator, the schema with the
 * highest since-version <= N.
 */
import { LATEST_OPSET, OPERATOR_SINCE_VERSIONS } from './operator-sets';

export type OperatorResolution =
  | { status: 'ok'; sinceVersion: number }
  /** The operator exists in the domain, but only from a later opset. */
  | { status: 'not-yet-defined'; firstVersion: number }
  /** The schema that serves this opset is a deprecation marker (Upsample from opset 10). */
  | { status: 'deprecated'; deprecatedSince: number }
  /** No operator of that name in the domain at all. */
  | { status: 'unknown' }
  /** The domain is not one of the standard ONNX domains: nothing to check. */
  | { status: 'custom-domain' };

/** '' and 'ai.onnx' name the same default domain. */
export function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

export function isStandardDomain(domain: string): boolean {
  return normalizeDomain(domain) in OPERATOR_SINCE_VERSIONS;
}

export function resolveOperator(domain: string, opType: string, opsetVersion: number): OperatorResolution {
  const table = OPERATOR_SINCE_VERSIONS[normalizeDomain(domain)];
  if (!table) return { status: 'custom-domain' };
  const versions = Object.prototype.hasOwnProperty.call(table, opType) ? table[opType] : undefined;
  if (!versions) return { status: 'unknown' };
  let serving: number | undefined;
  for (const v of versions) if (Math.abs(v) <= opsetVersion) serving = v;
  if (serving === undefined) return { status: 'not-yet-defined', firstVersion: Math.abs(versions[0]) };
  if (serving < 0) return { status: 'deprecated', deprecatedSince: -serving };
  return { status: 'ok', sinceVersion: serving };
}

/** The newest opset ONNX 1.22 defines for a standard domain. */
export function latestOpset(domain: string): number | undefined {
  return LATEST_OPSET[normalizeDomain(domain)];
}
